// How the master serves the UI (serveWebui from @tessera/webui behind the
// master's API routes) and relays sandbox reads to agents
// (ts/master/src/webui-proxy.ts), over plain HTTP — no browser.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState } from '@tessera/common';
import { serveWebui } from '@tessera/webui';

import { closeFrameworks, startFramework, type TestFramework } from '../e2e/framework.js';
import { launch, startUiCluster, type UiCluster } from './harness.js';

let cluster: UiCluster;
let fw: TestFramework;
let taskId = '';
let base: string;

test.before(async () => {
  cluster = await startUiCluster(1);
  base = `http://${cluster.http}`;
  fw = startFramework(cluster.grpc, { name: 'serve-test' });
  taskId = (await launch(fw, 'out', 'echo "to stdout"; echo "to stderr" >&2', 1))[0]!;
  await fw.waitForState(taskId, TaskState.FINISHED);
});

test.after(async () => {
  closeFrameworks();
  await cluster?.stop();
});

test('GET / is the UI’s page, revalidated on each load (no-cache + ETag → 304)', async () => {
  const res = await fetch(`${base}/`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.is(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  assert.match(html, /<script type="module" src="assets\/main-[A-Z0-9]+\.js"><\/script>/);
  assert.not.match(html, /https?:\/\//, 'nothing is loaded from another host');
  const etag = res.headers.get('etag')!;
  const again = await fetch(`${base}/`, { headers: { 'if-none-match': etag } });
  assert.is(again.status, 304);
  assert.is((await fetch(`${base}/index.html`)).status, 200);
});

test('assets have their content type, are cached for a year and gzipped when asked', async () => {
  const html = await (await fetch(`${base}/`)).text();
  const js = /src="(assets\/[^"]+\.js)"/.exec(html)![1]!;
  const css = /href="(assets\/[^"]+\.css)"/.exec(html)![1]!;
  const res = await fetch(`${base}/${js}`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.is(res.headers.get('content-encoding'), 'gzip'); // fetch asks for gzip and unpacks it
  const body = await res.text();
  assert.ok(body.length > 10_000, 'the bundle carries Preact and the app');
  assert.not.match(body, /from\s*["']https?:/, 'no import from another host');
  const cssRes = await fetch(`${base}/${css}`);
  assert.is(cssRes.headers.get('content-type'), 'text/css; charset=utf-8');
  const head = await fetch(`${base}/${js}`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(await head.text(), '');
});

test('unknown assets are 404; other methods and paths are left to the master', async () => {
  const missing = await fetch(`${base}/assets/nope.js`);
  assert.is(missing.status, 404);
  assert.match(await missing.text(), /no such asset/);
  const traversal = await fetch(`${base}/assets/..%2F..%2Fpackage.json`);
  assert.is(traversal.status, 404);
  const post = await fetch(`${base}/`, { method: 'POST' });
  assert.is(post.status, 404);
  assert.equal(await post.json(), { error: 'no such endpoint: /' });
  // The API is unchanged by the UI behind it.
  assert.is((await fetch(`${base}/api/v1/state/summary`)).status, 200);
});

test('serveWebui answers 503 naming the build when the bundle is missing', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'tessera-webui-empty-'));
  const server: Server = createServer((req, res) => {
    if (!serveWebui(req, res, empty)) res.writeHead(418).end();
  });
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${url}/`);
    assert.is(res.status, 503);
    assert.match(await res.text(), /not built.*npm run build/);
    assert.is((await fetch(`${url}/api/v1/state`)).status, 418, 'not the UI’s path: left to the caller');
  } finally {
    server.close();
    await rm(empty, { recursive: true, force: true });
  }
});

test('the master relays an agent’s sandbox files: browse, read, download', async () => {
  const state = await cluster.api('/api/v1/tasks?completed=include');
  const task = state.tasks.find((t: { id: string }) => t.id === taskId);
  const q = `framework_id=${task.frameworkId}&task_id=${taskId}`;
  const list = await cluster.api(`/agents/${task.agentId}/files/browse?${q}`);
  assert.equal(
    list.map((e: { path: string }) => e.path).filter((p: string) => p === 'stdout' || p === 'stderr'),
    ['stderr', 'stdout'],
  );
  const read = await cluster.api(`/agents/${task.agentId}/files/read?${q}&path=stdout`);
  assert.is(read.data, 'to stdout\n');
  const size = await cluster.api(`/agents/${task.agentId}/files/read?${q}&path=stderr&offset=-1`);
  assert.is(size.size, 'to stderr\n'.length);
  const download = await fetch(`${base}/agents/${task.agentId}/files/download?${q}&path=stdout`);
  assert.is(download.status, 200);
  assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="stdout"/);
  assert.is(await download.text(), 'to stdout\n');
});

test('the master relays an agent’s /containers', async () => {
  const agentId = cluster.agents[0]!.id!;
  const res = await fetch(`${base}/agents/${agentId}/containers`);
  assert.is(res.status, 200);
  assert.ok(Array.isArray(await res.json()), 'a list of containers');
});

test('the sandbox proxy: unknown agent 404, bad id 400, other methods 405, the agent’s own refusals passed on', async () => {
  const unknown = await fetch(`${base}/agents/no-such-agent/files/browse?framework_id=f&task_id=t`);
  assert.is(unknown.status, 404);
  assert.equal(await unknown.json(), { error: "no agent 'no-such-agent'" });
  const bad = await fetch(`${base}/agents/..%2F/files/browse`);
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^agent id: /);
  const post = await fetch(`${base}/agents/x/files/read`, { method: 'POST' });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET');
  // Only the /files endpoints are reachable through the proxy.
  const agentId = cluster.agents[0]!.id!;
  assert.is((await fetch(`${base}/agents/${agentId}/state`)).status, 404);
  // The agent confines paths to the sandbox; its 403 comes through as is.
  const state = await cluster.api('/api/v1/tasks?completed=include');
  const task = state.tasks.find((t: { id: string }) => t.id === taskId);
  const escape = await fetch(`${base}/agents/${task.agentId}/files/read?framework_id=${task.frameworkId}&task_id=${taskId}&path=../../etc/passwd`);
  assert.is(escape.status, 403);
  assert.match(((await escape.json()) as { error: string }).error, /must not contain '\.\.'/);
  const missingParam = await fetch(`${base}/agents/${task.agentId}/files/read?task_id=${taskId}&path=stdout`);
  assert.is(missingParam.status, 400);
  assert.match(((await missingParam.json()) as { error: string }).error, /^framework_id: is required/);
});

test.run();
