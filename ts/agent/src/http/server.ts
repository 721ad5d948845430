// The agent's HTTP endpoint: GET /state, GET /containers (containers.ts),
// GET /files/{read,browse,download} (files-routes.ts), GET /health.
// Every error is JSON {"error": "..."} with 400, 403, 404 or 405.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Agent } from '../agent.js';
import type { AgentState } from '../state.js';
import { containersJson } from './containers.js';
import { FilesError } from './files.js';
import { serveFiles } from './files-routes.js';

export interface HttpHandle {
  address: string;
  stop(): Promise<void>;
}

export async function startHttpServer(
  agent: Agent,
  state: () => AgentState,
  host: string,
  port: number,
): Promise<HttpHandle> {
  const server: Server = createServer((req, res) => {
    handle(agent, state, req, res).catch((err: unknown) => {
      if (err instanceof FilesError) return reply(res, err.httpStatus, { error: err.message });
      agent.logger.error({ err, url: req.url }, 'HTTP handler failed');
      reply(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${bound.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(agent: Agent, state: () => AgentState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, { error: `${req.method} is not allowed; use GET` });
  switch (url.pathname) {
    case '/health':
      return reply(res, 200, { ok: true });
    case '/state':
      return reply(res, 200, state());
    case '/containers':
      return reply(res, 200, await containersJson(agent));
    default:
      if (await serveFiles(agent, url, req, res, reply)) return;
      return reply(res, 404, { error: `no such endpoint: ${url.pathname}` });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
