// /files/browse, /files/download and /files/read against a real agent (fake
// master, a test double): a task plants files, symlinks (to a file outside,
// to a directory outside, and inside), a FIFO and a large file in its sandbox;
// every way out is refused, a large download streams.

import { ExecutorInfo_Type, TaskState, silentLogger } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { removeScratchDirs, runTask, scratchDir } from './fetcher-helpers.js';
import { FRAMEWORK, getJson, isTerminalState, shellTask } from './helpers.js';

let master: FakeMaster;
let agent: AgentHandle;
const BIG = 96 * 1024 * 1024;
const base = 'framework_id=fw-1&executor_id=planter';
const get = (endpoint: string, query: string) => getJson(agent.httpAddress, `/files/${endpoint}?${query}`);
const q = (p: string) => `${base}&path=${encodeURIComponent(p)}`;

test.before(async () => {
  master = await new FakeMaster().start();
  agent = await startAgent({ master: master.address, workDir: scratchDir(), port: 0, logger: silentLogger(), containerizers: ['posix'] });
  await agent.registered;
  const script = [
    'mkdir -p sub/deeper && echo inside > sub/file && echo deep > sub/deeper/leaf',
    'ln -s /etc/passwd passwd', // a file outside
    'ln -s /etc etc', // a directory outside
    'ln -s .. up',
    'ln -s sub/file alias', // inside: fine
    'mkfifo fifo',
    `head -c ${BIG} /dev/zero > big`,
    'printf "name with \\"quotes\\"" > "odd \\"name\\".txt"',
  ].join(' && ');
  const run = await runTask(master, agent, shellTask('planter', script));
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
});

test.after(async () => {
  await agent?.stop();
  await master?.stop();
  removeScratchDirs();
});

test('browse lists a directory: path, size, mode, mtime, isDir; symlinks as links', async () => {
  const top = await get('browse', base);
  assert.is(top.status, 200);
  const byPath = new Map<string, { path: string; size: number; mode: string; mtime: string; isDir: boolean }>(
    top.body.map((e: { path: string }) => [e.path, e]),
  );
  assert.ok(['stdout', 'stderr', 'sub', 'passwd', 'etc', 'big', 'fifo'].every((p) => byPath.has(p)), [...byPath.keys()].join(','));
  assert.equal(byPath.get('sub')!.isDir, true);
  assert.match(byPath.get('sub')!.mode, /^d/);
  assert.is(byPath.get('big')!.size, BIG);
  assert.match(byPath.get('big')!.mode, /^-rw/);
  assert.match(byPath.get('etc')!.mode, /^l/, 'a symlink is shown as a link, never followed');
  assert.is(byPath.get('etc')!.isDir, false);
  assert.ok(!Number.isNaN(Date.parse(byPath.get('big')!.mtime)));
  const sub = await get('browse', q('sub'));
  assert.equal(sub.body.map((e: { path: string }) => e.path), ['sub/deeper', 'sub/file']);
  assert.equal((await get('browse', q('sub/deeper/'))).body.map((e: { path: string }) => e.path), ['sub/deeper/leaf']);
});

test("'..', absolute paths and symlinks out are refused with 403 by browse, download and read", async () => {
  const escapes: Array<[string, RegExp]> = [
    ['..', /\.\./],
    ['../..', /\.\./],
    ['sub/../..', /\.\./],
    ['/etc', /relative/],
    ['/etc/passwd', /relative/],
    ['passwd', /outside the sandbox/], // symlink to a file outside
    ['etc', /outside the sandbox/], // symlinked directory outside
    ['etc/passwd', /outside the sandbox/], // through the symlinked directory
    ['etc/no-such-file', /outside the sandbox/], // no probing outside for existence either
    ['up/stdout', /outside the sandbox/],
  ];
  for (const endpoint of ['browse', 'download', 'read']) {
    for (const [path, why] of escapes) {
      const res = await fetch(`http://${agent.httpAddress}/files/${endpoint}?${q(path)}`);
      assert.is(res.status, 403, `${endpoint} ${path}`);
      assert.is(res.headers.get('content-type'), 'application/json');
      assert.match(((await res.json()) as { error: string }).error, why, `${endpoint} ${path}`);
    }
  }
});

test('download: the bytes with content-disposition; HEAD gives the headers only', async () => {
  const res = await fetch(`http://${agent.httpAddress}/files/download?${q('sub/file')}`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/octet-stream');
  assert.is(res.headers.get('content-length'), '7');
  assert.is(res.headers.get('content-disposition'), `attachment; filename="file"; filename*=UTF-8''file`);
  assert.is(await res.text(), 'inside\n');
  const alias = await fetch(`http://${agent.httpAddress}/files/download?${q('alias')}`);
  assert.is(await alias.text(), 'inside\n', 'a symlink that stays inside is followed');
  const odd = await fetch(`http://${agent.httpAddress}/files/download?${q('odd "name".txt')}`);
  assert.is(odd.headers.get('content-disposition'), `attachment; filename="odd _name_.txt"; filename*=UTF-8''odd%20%22name%22.txt`);
  const head = await fetch(`http://${agent.httpAddress}/files/download?${q('big')}`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.headers.get('content-length'), String(BIG));
});

test('download streams a large file: every byte arrives, in many chunks, without the file held in memory', async () => {
  const before = process.memoryUsage().rss;
  let peak = before;
  const res = await fetch(`http://${agent.httpAddress}/files/download?${q('big')}`);
  assert.is(res.headers.get('content-length'), String(BIG));
  const reader = res.body!.getReader();
  let received = 0;
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
    chunks++;
    if (chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.is(received, BIG);
  assert.ok(chunks > 100, `${chunks} chunks`);
  // Agent and client share this process: buffering the 96 MiB file would show here.
  assert.ok(peak - before < BIG / 2, `rss grew by ${Math.round((peak - before) / 1048576)} MiB`);
});

test('a FIFO or a directory is no file to download or read (400, not a hang)', async () => {
  for (const endpoint of ['download', 'read']) {
    for (const path of ['fifo', 'sub']) {
      const res = await get(endpoint, q(path));
      assert.is(res.status, 400, `${endpoint} ${path}`);
      assert.match(res.body.error, /not a regular file/);
    }
  }
  assert.is((await get('browse', q('big'))).status, 400, 'browse of a file');
});

test('unknown ids → 404; missing or malformed parameters → 400 naming the parameter', async () => {
  for (const endpoint of ['browse', 'download', 'read']) {
    assert.is((await get(endpoint, 'framework_id=nope&executor_id=planter&path=stdout')).status, 404);
    assert.is((await get(endpoint, 'framework_id=fw-1&executor_id=nope&path=stdout')).status, 404);
    assert.is((await get(endpoint, 'framework_id=fw-1&task_id=nope&path=stdout')).status, 404);
    assert.is((await get(endpoint, `${base}&container_id=other&path=stdout`)).status, 404);
    const noFramework = await get(endpoint, 'executor_id=planter&path=stdout');
    assert.is(noFramework.status, 400);
    assert.match(noFramework.body.error, /framework_id/);
    const noExecutor = await get(endpoint, 'framework_id=fw-1&path=stdout');
    assert.is(noExecutor.status, 400);
    assert.match(noExecutor.body.error, /executor_id/);
  }
  assert.is((await get('download', q('missing'))).status, 404);
  assert.match((await get('download', base)).body.error, /path: is required/);
});

test('task_id in place of executor_id: the task\'s own directory (tasks/<id> under the default executor)', async () => {
  const byTask = await get('read', 'framework_id=fw-1&task_id=planter&path=sub/file');
  assert.equal(byTask.body, { data: 'inside\n', offset: 0, size: 7 });
  master.send({
    runTaskGroup: {
      frameworkInfo: FRAMEWORK,
      executor: { executorId: 'files-group', type: ExecutorInfo_Type.DEFAULT } as never,
      taskGroup: { tasks: [shellTask('member-a', 'echo from a'), shellTask('member-b', 'echo from b')] },
    },
  });
  await Promise.all(['member-a', 'member-b'].map((id) => master.runToEnd(id, (u) => isTerminalState(u.status?.state))));
  assert.equal((await get('read', 'framework_id=fw-1&task_id=member-b&path=stdout')).body.data, 'from b\n');
  const group = await get('browse', 'framework_id=fw-1&executor_id=files-group&path=tasks');
  assert.equal(group.body.map((e: { path: string }) => e.path), ['tasks/member-a', 'tasks/member-b']);
});

test.run();
