// What the master serves for its operator web UI, behind the API routes:
//
//   GET /, /assets/…                                  the bundled UI (@tessera/webui)
//   GET /agents/<agentId>/files/{browse,read,download}?…  an agent's sandbox files, proxied
//   GET /agents/<agentId>/containers                       its containers' usage, proxied
//
// The UI runs on the master's origin and an agent sends no CORS headers, so
// the master relays these reads to the agent's HTTP address. Only agents the
// master knows are reachable this way (the id picks the address: no request
// can aim the master at an arbitrary host), only these read-only endpoints,
// and only GET/HEAD; the agent validates the query itself.

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

import { idProblem } from '@tessera/common';
import { serveWebui } from '@tessera/webui';

import type { Master } from './master.js';

const AGENT_PATH = /^\/agents\/([^/]+)\/(files\/browse|files\/read|files\/download|containers)$/;

/** How long the agent may take to start answering. */
const AGENT_TIMEOUT_MS = 15_000;

/** Serves `req` if it is for the UI or an agent's sandbox or containers; false otherwise. */
export function serveWebuiOrSandbox(m: Master, req: IncomingMessage, res: ServerResponse): boolean {
  if (serveWebui(req, res)) return true;
  const url = new URL(req.url ?? '/', 'http://master');
  const match = AGENT_PATH.exec(url.pathname);
  if (!match) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    json(res, 405, { error: `${req.method} not allowed on ${url.pathname}; use GET` }, { allow: 'GET' });
    return true;
  }
  let agentId: string;
  try {
    agentId = decodeURIComponent(match[1]!);
  } catch {
    agentId = match[1]!;
  }
  const problem = idProblem(agentId);
  if (problem) {
    json(res, 400, { error: `agent id: ${problem}` });
    return true;
  }
  const agent = m.agents.get(agentId);
  if (!agent) {
    json(res, 404, { error: `no agent '${agentId}'` });
    return true;
  }
  relay(m, agent.info.address, `/${match[2]}${url.search}`, req, res);
  return true;
}

function relay(m: Master, address: string, path: string, req: IncomingMessage, res: ServerResponse): void {
  const { hostname, port } = new URL(`http://${address}`);
  const upstream = httpRequest(
    { host: hostname.replace(/^\[|\]$/g, ''), port, path, method: req.method, timeout: AGENT_TIMEOUT_MS },
    (answer) => {
      const headers: Record<string, string | string[]> = { 'cache-control': 'no-store' };
      for (const name of ['content-type', 'content-length', 'content-disposition']) {
        const value = answer.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${AGENT_TIMEOUT_MS} ms`)));
  upstream.on('error', (err) => {
    m.log.debug({ err: err.message, address }, 'sandbox proxy: agent unreachable');
    if (!res.headersSent) json(res, 502, { error: `agent at ${address} did not answer: ${err.message}` });
    else res.destroy();
  });
  // The browser went away (a closed log tail): stop reading from the agent.
  res.on('close', () => upstream.destroy());
  upstream.end();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
