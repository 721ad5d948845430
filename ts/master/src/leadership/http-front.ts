// What every master's HTTP server does before the leading master's routes:
// GET /health answers on every master (leading or not, who leads, and every
// master's HTTP address, readable cross-origin for the web UI), GET
// /metrics on a standby gives its own (tessera_master_leading 0), and a
// master that does not lead sends other requests to the leader — 307 to its
// HTTP address, which keeps the method and body — or answers 503 while no
// leader is known.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import type { MasterInfo } from '@tessera/ha';

export interface FrontOptions {
  /** The leading master's handler; undefined while this master does not lead. */
  leading: () => RequestListener | undefined;
  /** The leader as known (this master itself while it leads). */
  leader: () => MasterInfo | null;
  masterId: string;
  /** Standalone masters always lead and have no election. */
  elected: boolean;
  /** HTTP addresses of every master (this one included). */
  masters: () => Promise<string[]>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function frontHandler(opts: FrontOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://master');
    const handler = opts.leading();
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const leader = opts.leader();
      void opts.masters().then((masters) =>
        json(
          res,
          200,
          {
            ok: true,
            masterId: opts.masterId,
            leading: handler !== undefined,
            elected: opts.elected,
            leader: leader?.address ?? null,
            leaderHttp: leader?.httpAddress ?? null,
            masters,
          },
          // Readable from a page served by another master (the web UI, when its own master died).
          { 'access-control-allow-origin': '*' },
        ),
      );
      return;
    }
    if (handler) return handler(req, res);
    if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      // A standby's own metrics, not the leader's: scraping every master must show who does not lead.
      const text = [
        '# HELP tessera_master_leading 1 while this master is the leader',
        '# TYPE tessera_master_leading gauge',
        'tessera_master_leading 0',
        '',
      ].join('\n');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    const leader = opts.leader();
    if (leader?.httpAddress && leader.id !== opts.masterId) {
      const location = `http://${leader.httpAddress}${url.pathname}${url.search}`;
      return json(res, 307, { error: `not the leading master; the leader is at ${location}`, leader: leader.address }, { location });
    }
    json(res, 503, { error: 'no leading master is elected yet; retry shortly' }, { 'retry-after': '1' });
  };
}
