// OperatorService (proto/tessera/v1/operator.proto): the operator API over
// gRPC. Each call turns its typed request into the HTTP endpoint's query or
// body and runs the same function, so validation, errors and answers are the
// HTTP API's; the answer is that JSON, and an HttpError becomes the matching
// gRPC status.

import { Metadata, status, type handleUnaryCall, type ServerWritableStream, type UntypedHandleCall } from '@grpc/grpc-js';
import {
  RpcError,
  toServiceError,
  type OperatorEvent,
  type OperatorJsonResponse,
  type OperatorServiceServer,
  type OperatorSubscribeRequest,
} from '@tessera/common';

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';
import { masterStateJson } from '../state.js';
import { agentCall, teardownFramework } from './calls.js';
import { operatorContext } from './context.js';
import { EVENT_TYPES } from './event-stream.js';
import { guardOperator } from './guard.js';
import { logs } from './log-ring.js';
import { agents, executors, flags, frameworks, health, leader, offers, tasks, version } from './queries.js';
import { RawReply } from './reply.js';
import { roles, setQuota, setWeights } from './roles.js';
import { summary } from './summary.js';
import { badRequest } from './validate.js';

const GRPC_OF_HTTP: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

function rpcError(err: unknown): ReturnType<typeof toServiceError> {
  if (err instanceof HttpError) return new RpcError(GRPC_OF_HTTP[err.status] ?? status.UNKNOWN, err.message);
  return toServiceError(err);
}

/** URLSearchParams of the fields that are set (proto3 defaults: '' and 0 mean "not given"). */
function params(fields: Record<string, string | number | undefined>): URLSearchParams {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== '' && value !== 0) p.set(key, String(value));
  return p;
}

function unary<Req>(m: Master, run: (req: Req, metadata: Metadata) => unknown): handleUnaryCall<Req, OperatorJsonResponse> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => run(call.request, call.metadata))
      .then(
        (answer) => callback(null, { json: JSON.stringify(answer) }),
        (err: unknown) => {
          if (!(err instanceof HttpError)) m.log.error({ err }, 'operator call failed');
          callback(rpcError(err));
        },
      );
  };
}

export function operatorService(m: Master): OperatorServiceServer {
  const ctx = operatorContext(m);
  return {
    getState: (_call, callback) => {
      try {
        callback(null, { json: [...masterStateJson(m)].join('') });
      } catch (err) {
        m.log.error({ err }, 'operator call failed');
        callback(rpcError(err));
      }
    },
    getSummary: unary(m, () => summary(m, ctx.modes)),
    getFrameworks: unary(m, () => frameworks(m)),
    getAgents: unary(m, (r) => agents(m, ctx.modes, params({ state: r.state, q: r.q, offset: r.offset, limit: r.limit }))),
    getTasks: unary(m, (r) =>
      tasks(m, params({ state: r.states.join(','), framework: r.frameworkId, agent: r.agentId, q: r.q, completed: r.completed, offset: r.offset, limit: r.limit })),
    ),
    getExecutors: unary(m, () => executors(m)),
    getRoles: unary(m, () => roles(m, ctx.roles)),
    getOffers: unary(m, () => offers(m)),
    getFlags: unary(m, () => flags(m)),
    getHealth: unary(m, () => health(m)),
    getVersion: unary(m, () => version(m)),
    getLeader: unary(m, () => leader(m)),
    getLogs: unary(m, (r) => {
      const answer = logs(ctx.logs, params({ limit: r.limit, level: r.level }));
      return answer instanceof RawReply ? answer.body : answer;
    }),
    getMetrics: (_call, callback) => {
      Promise.all([ctx.metrics.text(), ctx.metrics.snapshot()]).then(
        ([text, json]) => callback(null, { text, json: JSON.stringify(json) }),
        (err: unknown) => callback(rpcError(err)),
      );
    },
    teardownFramework: unary(m, (r, md) => teardownFramework(m, { frameworkId: r.frameworkId }, md)),
    setWeights: unary(m, async (r, md) => {
      await guardOperator(m, 'OperatorSetWeights', md);
      return setWeights(m, ctx.roles, { weights: r.weights });
    }),
    setQuota: unary(m, async (r, md) => {
      await guardOperator(m, 'OperatorSetQuota', md);
      const body: Record<string, unknown> = { role: r.role };
      if (r.remove) body.remove = true;
      if (Object.keys(r.guarantees).length > 0) body.guarantees = r.guarantees;
      if (Object.keys(r.limits).length > 0) body.limits = r.limits;
      return setQuota(m, ctx.roles, body);
    }),
    drainAgent: unary(m, (r, md) =>
      agentCall(m, ctx.modes, 'drain', { agentId: r.agentId, ...(r.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: r.gracePeriodSeconds } : {}) }, md),
    ),
    deactivateAgent: unary(m, (r, md) => agentCall(m, ctx.modes, 'deactivate', { agentId: r.agentId }, md)),
    reactivateAgent: unary(m, (r, md) => agentCall(m, ctx.modes, 'reactivate', { agentId: r.agentId }, md)),
    subscribe: ((call: ServerWritableStream<OperatorSubscribeRequest, OperatorEvent>) => {
      const types = new Set<string>(call.request.types.length > 0 ? call.request.types : EVENT_TYPES);
      for (const t of types) {
        if (!(EVENT_TYPES as readonly string[]).includes(t)) {
          call.emit('error', rpcError(badRequest('types', `${JSON.stringify(t)} is not one of ${EVENT_TYPES.join(', ')}`)));
          return;
        }
      }
      call.write({ type: 'summary', json: JSON.stringify(summary(m, ctx.modes)) });
      const stop = ctx.hub.listen((e) => {
        if (types.has(e.type) && !call.cancelled) call.write({ type: e.type, json: JSON.stringify(e.data) });
      });
      // The master has no stop event to listen for: a stopping master is noticed within a second, so its
      // gRPC server's graceful shutdown is not held up by an operator's open stream.
      const watch = setInterval(() => {
        if (m.stopped && !call.cancelled) call.end();
      }, 1000);
      watch.unref?.();
      const end = () => {
        clearInterval(watch);
        stop();
      };
      call.on('cancelled', end);
      call.on('close', end);
      call.on('finish', end);
      call.on('error', end);
    }) as UntypedHandleCall as OperatorServiceServer['subscribe'],
  };
}
