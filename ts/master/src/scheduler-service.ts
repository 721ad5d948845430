// SchedulerService handlers: thin. Each one checks the call header (known
// framework, current stream), runs the auth seam, calls the domain, and turns
// whatever it threw into a gRPC status. Nothing a client sends escapes as an
// exception.

import type { handleUnaryCall, Metadata, ServerWritableStream } from '@grpc/grpc-js';
import {
  RpcError,
  invalidArgument,
  notFound,
  permissionDenied,
  toServiceError,
  unavailable,
  type AcknowledgeManyRequest,
  type CallHeader,
  type CallResponse,
  type Event,
  type SchedulerServiceServer,
  type SubscribeRequest,
} from '@tessera/common';

import { accept, decline } from './accept.js';
import { subscribe, teardown, updateFramework } from './frameworks.js';
import type { Master } from './master.js';
import { isConnected, type FrameworkRecord } from './model.js';
import { reconcile } from './reconcile.js';
import { checkIdField, checkRoles } from './scheduler-validation.js';
import { acknowledge, acknowledgeMany } from './status-updates.js';
import { SafeStream } from './streams.js';
import { kill, message, shutdown } from './task-calls.js';

function logFailure(m: Master, method: string, err: unknown): void {
  if (err instanceof RpcError) m.log.debug({ method, code: err.code, message: err.message }, 'scheduler call rejected');
  else m.log.error({ err, method }, 'scheduler call failed');
}

async function guard(m: Master, method: string, metadata: Metadata, frameworkId?: string, principal?: string): Promise<void> {
  const callGuard = m.options.callGuard;
  if (!callGuard) return;
  const call: Parameters<typeof callGuard>[0] = { method, metadata };
  if (frameworkId) call.frameworkId = frameworkId;
  if (principal) call.principal = principal;
  await callGuard(call);
}

/** The framework a call's header names, if the header is its current stream. */
function caller(m: Master, header: CallHeader | undefined): FrameworkRecord {
  if (!header) throw invalidArgument('header: must be set');
  if (header.frameworkId === '') throw invalidArgument('header.framework_id: must not be empty');
  const framework = m.frameworks.get(header.frameworkId);
  if (!framework) throw notFound(`header.framework_id: no framework ${header.frameworkId}`);
  if (!isConnected(framework) || framework.streamId !== header.streamId) {
    throw permissionDenied(`header.stream_id: ${JSON.stringify(header.streamId)} is not the framework's current stream`);
  }
  return framework;
}

/**
 * A unary handler: checks the header, runs the guard (if any), calls the
 * domain, answers with its result or the status it threw. Without a guard the
 * whole call runs synchronously — no promise per call on the hot path
 * (accept, acknowledge), where the master spends its time in plumbing.
 */
function unaryCall<Req extends { header?: CallHeader | undefined }, Res>(
  m: Master,
  method: string,
  handle: (framework: FrameworkRecord, request: Req) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const fail = (err: unknown): void => {
      logFailure(m, method, err);
      callback(toServiceError(err));
    };
    try {
      if (m.stopped) throw unavailable('master is stopping');
      const framework = caller(m, call.request.header);
      if (m.options.callGuard) {
        guard(m, method, call.metadata, framework.id, framework.info.principal)
          .then(() => {
            // The guard awaited: the framework must still hold this stream.
            caller(m, call.request.header);
            return handle(framework, call.request);
          })
          .then((result) => callback(null, result), fail);
        return;
      }
      const result = handle(framework, call.request);
      if (result instanceof Promise) result.then((r) => callback(null, r), fail);
      else callback(null, result);
    } catch (err) {
      fail(err);
    }
  };
}

const OK: CallResponse = {};

/** A call answered with an empty CallResponse. */
function unary<Req extends { header?: CallHeader | undefined }>(
  m: Master,
  method: string,
  handle: (framework: FrameworkRecord, request: Req) => void | Promise<void>,
): handleUnaryCall<Req, CallResponse> {
  return unaryCall<Req, CallResponse>(m, method, (framework, request) => {
    const done = handle(framework, request);
    return done instanceof Promise ? done.then(() => OK) : OK;
  });
}

export function schedulerService(m: Master): SchedulerServiceServer {
  return {
    subscribe(call: ServerWritableStream<SubscribeRequest, Event>): void {
      const stream = new SafeStream<Event>(call, (err) => m.log.error({ err }, 'framework stream close handler failed'));
      const info = call.request.frameworkInfo;
      const run = async (): Promise<void> => {
        if (m.stopped) throw unavailable('master is stopping');
        await guard(m, 'Subscribe', call.metadata, info?.id || undefined, info?.principal || undefined);
        await subscribe(m, info, stream);
      };
      run().catch((err: unknown) => {
        logFailure(m, 'Subscribe', err);
        if (!stream.closed) call.emit('error', toServiceError(err));
      });
    },
    teardown: unary(m, 'Teardown', (f) => teardown(m, f, 'the framework asked to be torn down')),
    accept: unary(m, 'Accept', (f, r) => accept(m, f, r)),
    decline: unary(m, 'Decline', (f, r) => decline(m, f, r)),
    revive: unary(m, 'Revive', (f, r) => {
      const roles = checkRoles(r.roles, f.roles);
      m.allocator.revive(f.id, roles);
      m.triggerAllocation();
    }),
    suppress: unary(m, 'Suppress', (f, r) => {
      const roles = checkRoles(r.roles, f.roles);
      m.allocator.suppress(f.id, roles);
    }),
    kill: unary(m, 'Kill', (f, r) => kill(m, f, r)),
    shutdown: unary(m, 'Shutdown', (f, r) => shutdown(m, f, r)),
    acknowledge: unary(m, 'Acknowledge', (f, r) => {
      checkIdField('task_id', r.taskId);
      if (r.agentId !== '') checkIdField('agent_id', r.agentId);
      if (r.uuid.length !== 16) throw invalidArgument(`uuid: must be 16 bytes (got ${r.uuid.length})`);
      acknowledge(m, f, r.agentId, r.taskId, Buffer.from(r.uuid));
    }),
    acknowledgeMany: unaryCall(m, 'AcknowledgeMany', (f, r: AcknowledgeManyRequest) => acknowledgeMany(m, f, r.acknowledgements)),
    reconcile: unary(m, 'Reconcile', (f, r) => reconcile(m, f, r.tasks)),
    message: unary(m, 'Message', (f, r) => message(m, f, r)),
    updateFramework: unary(m, 'UpdateFramework', (f, r) => updateFramework(m, f, r.frameworkInfo)),
  };
}
