// Following the leader: a page opened on a master that then stops leading
// moves itself to the new leader, without the operator reloading it.
//
// FormerLeader is a TEST DOUBLE of a master that loses leadership: while it
// "leads" it serves the UI itself and relays the API to the real master; once
// it steps down it answers as a standby does (ts/master/src/leadership/
// http-front.ts): 307 to the leader for everything but GET /health, which says
// { leading: false, leaderHttp }. Open event streams are cut, as a master
// stepping down closes them. The UI and the leader are real.

import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveWebui } from '@tessera/webui';

import { openBrowser, startUiCluster, testIdText, until, type Browsing, type UiCluster } from './harness.js';

class FormerLeader {
  leading = true;
  readonly server: Server;
  readonly #open = new Set<ServerResponse>();

  constructor(private readonly leader: string) {
    this.server = createServer((req, res) => this.#handle(req, res));
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  stepDown(): void {
    this.leading = false;
    for (const res of this.#open) res.destroy();
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') {
      const body = JSON.stringify({ ok: true, leading: this.leading, leaderHttp: this.leading ? this.address : this.leader });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (!this.leading) {
      res.writeHead(307, { location: `http://${this.leader}${url.pathname}${url.search}`, 'content-type': 'application/json' }).end('{"error":"not the leading master"}');
      return;
    }
    if (serveWebui(req, res)) return;
    // Relay the API to the real master (the double has no state of its own).
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    const [host, port] = this.leader.split(':');
    const upstream = request({ host, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}

let cluster: UiCluster;
let former: FormerLeader;
let browsing: Browsing;

test.before(async () => {
  cluster = await startUiCluster(1);
  former = new FormerLeader(cluster.http);
  await former.listen();
  browsing = await openBrowser();
});

test.after(async () => {
  // Each step even if one before it fails.
  await browsing?.close().catch(() => undefined);
  await former?.close().catch(() => undefined);
  await cluster?.stop();
});

test('a page on a master that steps down follows the leader to its address', async () => {
  const { page } = browsing;
  await page.goto(`http://${former.address}/#/agents`);
  await page.locator('[data-testid="agents-page"]').waitFor({ timeout: 20_000 });
  assert.is(new URL(page.url()).host, former.address);

  former.stepDown();
  await until('the page on the leader', async () => new URL(page.url()).host, (host) => host === cluster.http);
  // The same view, now served and fed by the leader.
  assert.is(new URL(page.url()).hash, '#/agents');
  await page.locator('[data-testid="agents-page"]').waitFor({ timeout: 20_000 });
  await page.goto(`http://${cluster.http}/`);
  assert.is(await testIdText(page, 'leader'), cluster.http);
});

test.run();
