// The operator API's HTTP routes (docs/operator-api.md), merged into the
// master's ROUTES table in http.ts. A route returns a JSON value (sent as
// 200), a RawReply (another content type), or HANDLED (it wrote the response).

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Master } from '../master.js';
import { masterStateJson } from '../state.js';
import { agentCall, teardownFramework } from './calls.js';
import { operatorContext } from './context.js';
import { guardOperator } from './guard.js';
import { logs } from './log-ring.js';
import { agents, executors, flags, frameworks, health, leader, offers, tasks, version } from './queries.js';
import { HANDLED, RawReply } from './reply.js';
import { roles, setQuota, setWeights } from './roles.js';
import { summary } from './summary.js';
import { onlyParams } from './validate.js';

export interface Route {
  method: 'GET' | 'POST';
  handle: (m: Master, req: IncomingMessage, res: ServerResponse, readJson: () => Promise<unknown>) => unknown;
}

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://master').searchParams;
}

/** The whole state, written a piece at a time (masterStateJson). */
export function sendState(m: Master, res: ServerResponse): typeof HANDLED {
  res.writeHead(200, { 'content-type': 'application/json' });
  for (const piece of masterStateJson(m)) res.write(piece);
  res.end();
  return HANDLED;
}

/** A GET without query parameters (one given is a mistake worth a 400). */
function plain(fn: (m: Master) => unknown): Route {
  return {
    method: 'GET',
    handle: (m, req) => {
      onlyParams(query(req), []);
      return fn(m);
    },
  };
}

export const OPERATOR_ROUTES: Record<string, Route> = {
  '/api/v1/state': {
    method: 'GET',
    handle: (m, req, res) => {
      onlyParams(query(req), []);
      return sendState(m, res);
    },
  },
  '/api/v1/state/summary': plain((m) => summary(m, operatorContext(m).modes)),
  '/api/v1/frameworks': plain(frameworks),
  '/api/v1/agents': { method: 'GET', handle: (m, req) => agents(m, operatorContext(m).modes, query(req)) },
  '/api/v1/tasks': { method: 'GET', handle: (m, req) => tasks(m, query(req)) },
  '/api/v1/executors': plain(executors),
  '/api/v1/roles': plain((m) => roles(m, operatorContext(m).roles)),
  '/api/v1/offers': plain(offers),
  '/api/v1/flags': plain(flags),
  '/api/v1/health': plain(health),
  '/api/v1/version': plain(version),
  '/api/v1/leader': plain(leader),
  '/api/v1/logs': { method: 'GET', handle: (m, req) => logs(operatorContext(m).logs, query(req)) },
  '/api/v1/events': { method: 'GET', handle: (m, req, res) => operatorContext(m).hub.serve(req, res, query(req)) },
  '/metrics': {
    method: 'GET',
    handle: async (m) => new RawReply(operatorContext(m).metrics.registry.contentType, await operatorContext(m).metrics.text()),
  },
  '/metrics/snapshot': { method: 'GET', handle: (m) => operatorContext(m).metrics.snapshot() },

  '/api/v1/frameworks/teardown': { method: 'POST', handle: async (m, req, _res, readJson) => teardownFramework(m, await readJson(), req.headers) },
  '/api/v1/roles/weights': {
    method: 'POST',
    handle: async (m, req, _res, readJson) => {
      const body = await readJson();
      await guardOperator(m, 'OperatorSetWeights', req.headers);
      return setWeights(m, operatorContext(m).roles, body);
    },
  },
  '/api/v1/quota': {
    method: 'POST',
    handle: async (m, req, _res, readJson) => {
      const body = await readJson();
      await guardOperator(m, 'OperatorSetQuota', req.headers);
      return setQuota(m, operatorContext(m).roles, body);
    },
  },
  '/api/v1/agents/drain': { method: 'POST', handle: async (m, req, _res, readJson) => agentCall(m, operatorContext(m).modes, 'drain', await readJson(), req.headers) },
  '/api/v1/agents/deactivate': { method: 'POST', handle: async (m, req, _res, readJson) => agentCall(m, operatorContext(m).modes, 'deactivate', await readJson(), req.headers) },
  '/api/v1/agents/reactivate': { method: 'POST', handle: async (m, req, _res, readJson) => agentCall(m, operatorContext(m).modes, 'reactivate', await readJson(), req.headers) },
};
