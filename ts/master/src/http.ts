// The master's HTTP endpoint: GET /state and GET /health (read-only views),
// POST /api/v1/tasks/kill (an operator's kill, see operator-kill.ts), and the
// operator API and metrics (operator/routes.ts, docs/operator-api.md).
// Unknown paths are a JSON 404, a known path with another method a 405;
// errors are JSON {"error": "..."}.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import type { Master } from './master.js';
import { HttpError, operatorKill } from './operator-kill.js';
import { operatorContext } from './operator/context.js';
import { HANDLED, RawReply } from './operator/reply.js';
import { OPERATOR_ROUTES, sendState, type Route } from './operator/routes.js';
import { serveWebuiOrSandbox } from './webui-proxy.js';

/** Largest request body accepted (operator calls are small). */
const MAX_BODY_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body: larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body: not valid JSON');
  }
}

const ROUTES: Record<string, Route> = {
  ...OPERATOR_ROUTES,
  '/health': { method: 'GET', handle: () => ({ ok: true }) },
  '/state': { method: 'GET', handle: (m, _req, res) => sendState(m, res) },
  '/api/v1/tasks/kill': { method: 'POST', handle: async (m, req) => operatorKill(m, await readJson(req), req.headers) },
};

/** The leading master's request handler (start-master.ts puts it behind the server, and a standby's redirects in front of it). */
export function httpHandler(m: Master): RequestListener {
  operatorContext(m); // metrics and the log ring count from the start, not from the first operator request
  return (req: IncomingMessage, res: ServerResponse) => {
    const run = async (): Promise<void> => {
      const path = new URL(req.url ?? '/', 'http://master').pathname;
      const route = ROUTES[path];
      if (!route) {
        // The web UI and its sandbox proxy (webui-proxy.ts) sit behind the API's paths.
        if (serveWebuiOrSandbox(m, req, res)) return;
        return send(res, 404, { error: `no such endpoint: ${path}` });
      }
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      if (method !== route.method) {
        return send(res, 405, { error: `${req.method} not allowed on ${path}; use ${route.method}` }, { allow: route.method });
      }
      const body = await route.handle(m, req, res, () => readJson(req));
      if (body === HANDLED) return;
      if (body instanceof RawReply) return body.send(res);
      send(res, 200, body);
    };
    run().catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (!res.headersSent) send(res, err.status, { error: err.message });
        return;
      }
      m.log.error({ err }, 'http request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}
