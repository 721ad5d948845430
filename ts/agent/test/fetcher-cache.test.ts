// The fetcher's cache and download limits, on the Fetcher and FetcherCache
// themselves (no agent): a real HTTP server and real files; the `fill`
// functions handed to FetcherCache in the first tests are stand-ins for a
// download, so the test controls when each finishes.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Uri, silentLogger } from '@tessera/common';

import { FetcherCache } from '../src/fetcher/cache.js';
import { FetchError } from '../src/fetcher/errors.js';
import { Fetcher } from '../src/fetcher/fetcher.js';
import { FileServer, removeScratchDirs, scratchDir } from './fetcher-helpers.js';
import { waitFor } from './helpers.js';

let server: FileServer; // for the Fetcher tests below
test.before(async () => {
  server = await new FileServer().start();
});
test.after(async () => {
  await server.stop();
  removeScratchDirs();
});

/** A stand-in download: writes `bytes` bytes when `go` settles, counting its calls. */
function filler(bytes: number, go: Promise<unknown> = Promise.resolve()) {
  const fill = async (file: string) => {
    fill.calls++;
    await go;
    await writeFile(file, Buffer.alloc(bytes, 'x'));
    return bytes;
  };
  fill.calls = 0;
  return fill;
}

async function cache(maxBytes: number): Promise<FetcherCache> {
  const c = new FetcherCache(path.join(scratchDir(), 'cache'), maxBytes, silentLogger());
  await c.start();
  return c;
}

test('least recently used entries go first once past the bound', async () => {
  const c = await cache(10);
  (await c.acquire('a', filler(4))).release();
  (await c.acquire('b', filler(4))).release();
  (await c.acquire('a', filler(4))).release(); // a is now the most recent
  const c3 = await c.acquire('c', filler(4)); // 12 > 10: b, the least recent, goes
  c3.release();
  assert.ok(c.has('a') && c.has('c') && !c.has('b'));
  assert.is(c.bytes, 8);
});

test('a hit does not fill again', async () => {
  const c = await cache(100);
  const fill = filler(3);
  const first = await c.acquire('k', fill);
  const second = await c.acquire('k', fill);
  assert.equal([first.hit, second.hit, fill.calls], [false, true, 1]);
  assert.is(first.file, second.file);
  first.release();
  second.release();
});

test('concurrent acquires of one key share one fill', async () => {
  const c = await cache(100);
  let go!: () => void;
  const fill = filler(5, new Promise<void>((resolve) => (go = resolve)));
  const leases = [c.acquire('k', fill), c.acquire('k', fill), c.acquire('k', fill)];
  await waitFor('the fill to start', () => fill.calls === 1);
  go();
  const got = await Promise.all(leases);
  assert.is(fill.calls, 1);
  assert.equal(got.map((l) => l.hit), [false, true, true]);
  for (const lease of got) assert.is(readFileSync(lease.file).length, 5);
  for (const lease of got) lease.release();
});

test('a failed fill fails every waiter, and the next acquire tries again', async () => {
  const c = await cache(100);
  let fail!: (err: Error) => void;
  const failing = async () => {
    await new Promise((_, reject) => (fail = reject));
    return 0;
  };
  const both = [c.acquire('k', failing), c.acquire('k', failing)].map((p) => p.then(() => 'ok', (err: Error) => err.message));
  await waitFor('the fill to start', () => fail !== undefined);
  fail(new Error('HTTP 500'));
  assert.equal(await Promise.all(both), ['HTTP 500', 'HTTP 500']);
  const retry = await c.acquire('k', filler(2));
  assert.is(retry.hit, false);
  retry.release();
});

test('a leased entry is not evicted under its reader; one larger than the bound goes after use', async () => {
  const c = await cache(10);
  const held = await c.acquire('held', filler(8));
  (await c.acquire('other', filler(8))).release(); // over the bound, but 'held' is leased: 'other' goes
  assert.ok(c.has('held') && !c.has('other'));
  assert.ok(existsSync(held.file));
  held.release();
  const huge = await c.acquire('huge', filler(50));
  assert.ok(existsSync(huge.file), 'served while leased');
  huge.release();
  assert.ok(!c.has('huge') && c.bytes <= 10);
});

// ---- the Fetcher with a real server ----

async function fetcher(cacheBytes: number, limits = { stallTimeoutMs: 5_000, maxBytes: 1024 * 1024 }) {
  const f = new Fetcher({ workDir: scratchDir(), cacheBytes, limits, logger: silentLogger() });
  await f.start();
  return f;
}

test('through the Fetcher: an evicted URI is downloaded again, a cached one is not', async () => {
  server.routes.set('/one.bin', { body: Buffer.alloc(600, 1) });
  server.routes.set('/two.bin', { body: Buffer.alloc(600, 2) });
  const f = await fetcher(1000); // room for one of them
  const cached = (name: string) => Uri.create({ value: server.url(`/${name}`), cache: true });
  await f.fetch([cached('one.bin')], scratchDir());
  await f.fetch([cached('one.bin')], scratchDir());
  assert.is(server.hits.get('/one.bin'), 1, 'the second fetch hit the cache');
  await f.fetch([cached('two.bin')], scratchDir()); // 1200 > 1000: one.bin is evicted
  const sandbox = scratchDir();
  await f.fetch([cached('one.bin')], sandbox);
  assert.is(server.hits.get('/one.bin'), 2, 'one.bin was evicted, so it is downloaded again');
  assert.equal(readFileSync(path.join(sandbox, 'one.bin')), Buffer.alloc(600, 1));
  assert.ok(f.cache.bytes <= 1000);
});

test('a download larger than the bound fails, naming the bound; nothing is left behind', async () => {
  server.routes.set('/big.bin', { body: Buffer.alloc(4096) });
  const f = await fetcher(0, { stallTimeoutMs: 5_000, maxBytes: 1000 });
  const sandbox = scratchDir();
  const err = await f.fetch([Uri.create({ value: server.url('/big.bin') })], sandbox).catch((e: unknown) => e);
  assert.instance(err, FetchError);
  assert.match((err as Error).message, /larger than the fetcher's bound \(4096 > 1000 bytes\)/);
  assert.ok(!existsSync(path.join(sandbox, 'big.bin')) && !existsSync(path.join(sandbox, 'big.bin.part')));
});

test('a stalled download is aborted after the stall timeout', async () => {
  server.routes.set('/stall.bin', { hold: new Promise(() => undefined) }); // never answers
  const f = await fetcher(0, { stallTimeoutMs: 200, maxBytes: 1000 });
  const started = Date.now();
  const err = await f.fetch([Uri.create({ value: server.url('/stall.bin') })], scratchDir()).catch((e: unknown) => e);
  assert.instance(err, FetchError);
  assert.match((err as Error).message, /no data for 200 ms/);
  assert.ok(Date.now() - started < 5_000);
});

test('a symlink an earlier archive left under the output name is replaced, not written through', async () => {
  const sandbox = scratchDir();
  const outside = path.join(scratchDir(), 'victim');
  await writeFile(outside, 'untouched');
  symlinkSync(outside, path.join(sandbox, 'data.txt'));
  server.routes.set('/data.txt', { body: 'fetched' });
  const f = await fetcher(0);
  await f.fetch([Uri.create({ value: server.url('/data.txt') })], sandbox);
  assert.is(readFileSync(outside, 'utf8'), 'untouched');
  assert.is(readFileSync(path.join(sandbox, 'data.txt'), 'utf8'), 'fetched');
});

test("one archive's symlink cannot carry a later archive's files out of the sandbox", async () => {
  // one.tar: evil -> <outside dir>; two.tar: evil/file. Unpacked in place, the second would write <outside>/file.
  const work = scratchDir();
  const outside = scratchDir();
  mkdirSync(path.join(work, 'a'));
  symlinkSync(outside, path.join(work, 'a', 'evil'));
  execFileSync('tar', ['-cf', path.join(work, 'one.tar'), '-C', path.join(work, 'a'), 'evil']);
  mkdirSync(path.join(work, 'b', 'evil'), { recursive: true });
  await writeFile(path.join(work, 'b', 'evil', 'file'), 'payload');
  execFileSync('tar', ['-cf', path.join(work, 'two.tar'), '-C', path.join(work, 'b'), 'evil/file']);
  server.routes.set('/one.tar', { body: readFileSync(path.join(work, 'one.tar')) });
  server.routes.set('/two.tar', { body: readFileSync(path.join(work, 'two.tar')) });
  const sandbox = scratchDir();
  const f = await fetcher(0);
  await f.fetch(['/one.tar', '/two.tar'].map((p) => Uri.create({ value: server.url(p), extract: true })), sandbox);
  assert.equal(readdirSync(outside), [], 'nothing was written outside');
  assert.ok(lstatSync(path.join(sandbox, 'evil')).isDirectory(), 'the symlink was replaced by the directory');
  assert.is(readFileSync(path.join(sandbox, 'evil', 'file'), 'utf8'), 'payload');
  assert.ok(!readdirSync(sandbox).some((name) => name.startsWith('.extracting-')), 'no staging directory is left');
});

test('extracting into a sandbox merges directories with what is there', async () => {
  const work = scratchDir();
  mkdirSync(path.join(work, 'x', 'shared'), { recursive: true });
  await writeFile(path.join(work, 'x', 'shared', 'from-archive'), 'a');
  execFileSync('tar', ['-czf', path.join(work, 'x.tgz'), '-C', path.join(work, 'x'), 'shared']);
  server.routes.set('/x.tgz', { body: readFileSync(path.join(work, 'x.tgz')) });
  const sandbox = scratchDir();
  mkdirSync(path.join(sandbox, 'shared'));
  await writeFile(path.join(sandbox, 'shared', 'already-here'), 'b');
  await (await fetcher(0)).fetch([Uri.create({ value: server.url('/x.tgz'), extract: true })], sandbox);
  assert.equal(readdirSync(path.join(sandbox, 'shared')).sort(), ['already-here', 'from-archive']);
  assert.ok(existsSync(path.join(sandbox, 'x.tgz')), 'the archive itself stays');
});

test('a task running as another user gets only local files that user may read, chowned to it (the agent is root)', async () => {
  if (process.getuid?.() !== 0) return; // switching users needs root; this agent is not
  const open = scratchDir();
  chmodSync(open, 0o755); // temp dirs are 0700: nobody could not even reach the file
  const readable = path.join(open, 'readable.txt');
  await writeFile(readable, 'for everyone', { mode: 0o644 });
  const secret = path.join(open, 'secret.txt');
  await writeFile(secret, 'root only', { mode: 0o600 });
  const f = await fetcher(1 << 20);
  const sandbox = scratchDir();
  await f.fetch([Uri.create({ value: readable })], sandbox, 'nobody');
  const nobody = Number(/^nobody:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))![1]);
  assert.is(statSync(path.join(sandbox, 'readable.txt')).uid, nobody, 'handed to the task user');
  // Cached by a root task first: the cache must not hand it to nobody either.
  await f.fetch([Uri.create({ value: secret, cache: true })], scratchDir());
  for (const value of [secret, pathToFileURL(secret).href]) {
    const err = await f.fetch([Uri.create({ value, cache: true })], scratchDir(), 'nobody').catch((e: unknown) => e);
    assert.instance(err, FetchError);
    assert.match((err as Error).message, /user 'nobody' may not read/);
  }
  const closed = path.join(scratchDir(), 'in-a-0700-dir.txt');
  await writeFile(closed, 'x', { mode: 0o644 });
  const err = await f.fetch([Uri.create({ value: closed })], scratchDir(), 'nobody').catch((e: unknown) => e);
  assert.match((err as Error).message, /user 'nobody' may not search/);
});

test.run();
