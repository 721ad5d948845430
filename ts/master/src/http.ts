// The master's read-only HTTP endpoint: GET /state and GET /health. Anything
// else is a JSON 404 (unknown path) or 405 (not GET).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { Master } from './master.js';
import { masterState } from './state.js';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function createHttpServer(m: Master): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = new URL(req.url ?? '/', 'http://master').pathname;
      if (path !== '/state' && path !== '/health') return send(res, 404, { error: `no such endpoint: ${path}` });
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: `${req.method} not allowed; use GET` }, { allow: 'GET' });
      if (path === '/health') return send(res, 200, { ok: true });
      return send(res, 200, masterState(m));
    } catch (err) {
      m.log.error({ err }, 'http request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
}
