// The fetcher through a real agent (fake master, a test double; real HTTP
// server, real tar/unzip, real processes): what a task's URIs put into its
// sandbox before it starts, and how a failed fetch is reported.

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, ExecutorInfo, ExecutorInfo_Type, TaskInfo, TaskState, TaskStatus_Reason, Uri, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { FileServer, buildArchives, removeScratchDirs, runTask, sandboxOf, scratchDir } from './fetcher-helpers.js';
import { FRAMEWORK, isTerminalState, shellTask, waitFor } from './helpers.js';

let master: FakeMaster;
let agent: AgentHandle;
let server: FileServer;
let files: string;

const uri = (value: string, extra: Partial<Uri> = {}) => Uri.create({ value, ...extra });
const withUris = (taskId: string, script: string, uris: Uri[]) => {
  const task = shellTask(taskId, script);
  task.command!.uris = uris;
  return task;
};
const stdout = (sandbox: string) => readFileSync(path.join(sandbox, 'stdout'), 'utf8');

test.before(async () => {
  files = scratchDir('tessera-fetcher-files-');
  const archives = buildArchives(files);
  server = await new FileServer().start();
  server.routes.set('/hello.txt', { body: 'hello from the server\n' });
  server.routes.set('/greet.sh', { body: '#!/bin/sh\necho "script says $1"\n' });
  server.routes.set('/tool.tar.gz', { body: archives.tarGz });
  server.routes.set('/tool.tar', { body: archives.tar });
  server.routes.set('/tool.zip', { body: archives.zip });
  server.routes.set('/broken.tar.gz', { body: 'this is not gzip' });
  server.routes.set('/moved', { status: 302, headers: { location: '/hello.txt' } });
  master = await new FakeMaster().start();
  agent = await startAgent({ master: master.address, workDir: scratchDir(), port: 0, logger: silentLogger(), containerizers: ['posix'] });
  await agent.registered;
});

test.after(async () => {
  await agent?.stop();
  await master?.stop();
  await server?.stop();
  removeScratchDirs();
});

test('a tarball is fetched, extracted, and the program inside runs', async () => {
  const run = await runTask(master, agent, withUris('tar-1', './tool/greet tarball', [uri(server.url('/tool.tar.gz'), { extract: true })]));
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
  assert.is(stdout(run.sandbox), 'greetings from tarball\n');
  assert.equal(
    run.updates.map((u) => u.status!.state),
    [TaskState.STARTING, TaskState.RUNNING, TaskState.FINISHED],
    'STARTING before the fetch, RUNNING after it',
  );
});

test('under the native containerizer (namespaces and cgroups where available) the extracted program runs too', async () => {
  // Its own fake master: the shared one talks to the agent that connected last.
  const nativeMaster = await new FakeMaster().start();
  const native = await startAgent({ master: nativeMaster.address, workDir: scratchDir(), port: 0, logger: silentLogger(), containerizers: ['native'] });
  try {
    await native.registered;
    const run = await runTask(nativeMaster, native, withUris('tar-native', './tool/greet native', [uri(server.url('/tool.tar.gz'), { extract: true })]));
    assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
    assert.is(stdout(run.sandbox), 'greetings from native\n');
  } finally {
    await native.stop();
    await nativeMaster.stop();
  }
});

test('a plain .tar and a .zip are extracted too', async () => {
  const tar = await runTask(master, agent, withUris('tar-2', './tool/greet tar', [uri(server.url('/tool.tar'), { extract: true })]));
  assert.is(stdout(tar.sandbox), 'greetings from tar\n');
  const zip = await runTask(master, agent, withUris('zip-1', './tool/greet zip', [uri(server.url('/tool.zip'), { extract: true })]));
  assert.is(zip.last.status!.state, TaskState.FINISHED, zip.last.status!.message);
  assert.is(stdout(zip.sandbox), 'greetings from zip\n');
});

test('without extract, an archive stays as it came', async () => {
  const run = await runTask(master, agent, withUris('tar-3', 'test -f tool.tar.gz && test ! -e tool', [uri(server.url('/tool.tar.gz'))]));
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
});

test('executable sets 0755, output_file names the file', async () => {
  const run = await runTask(
    master,
    agent,
    withUris('exec-1', './run-me now', [uri(server.url('/greet.sh'), { executable: true, outputFile: 'run-me' })]),
  );
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
  assert.is(stdout(run.sandbox), 'script says now\n');
  assert.is(statSync(path.join(run.sandbox, 'run-me')).mode & 0o777, 0o755);
  const plain = await runTask(master, agent, withUris('exec-2', 'test ! -x greet.sh', [uri(server.url('/greet.sh'))]));
  assert.is(plain.last.status!.state, TaskState.FINISHED, 'without executable the file is not executable');
});

test('redirects are followed; the name comes from the URI asked for', async () => {
  const run = await runTask(master, agent, withUris('redirect-1', 'cat moved', [uri(server.url('/moved'))]));
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
  assert.is(stdout(run.sandbox), 'hello from the server\n');
});

test('a file on the agent: file:// URL or absolute path', async () => {
  const local = path.join(files, 'local data.txt');
  writeFileSync(local, 'local bytes\n');
  const run = await runTask(
    master,
    agent,
    withUris('file-1', 'cat "local data.txt" copy.txt', [uri(pathToFileURL(local).href), uri(local, { outputFile: 'copy.txt' })]),
  );
  assert.is(run.last.status!.state, TaskState.FINISHED, run.last.status!.message);
  assert.is(stdout(run.sandbox), 'local bytes\nlocal bytes\n');
});

test('HTTP 404 → TASK_FAILED, FETCH_FAILED, the URI and the status in the message; the command never runs', async () => {
  const missing = server.url('/missing.bin');
  const run = await runTask(master, agent, withUris('404-1', 'touch ran', [uri(missing)]));
  const status = run.last.status!;
  assert.is(status.state, TaskState.FAILED);
  assert.is(status.reason, TaskStatus_Reason.FETCH_FAILED);
  assert.ok(status.message.includes(missing), status.message);
  assert.match(status.message, /HTTP 404/);
  assert.equal(run.updates.map((u) => u.status!.state), [TaskState.STARTING, TaskState.FAILED]);
});

test('a missing local file, a bad archive, a bad output_file, an unknown scheme: each FETCH_FAILED with its cause', async () => {
  const cases: Array<[string, Uri, RegExp]> = [
    ['bad-1', uri('/nonexistent/file.bin'), /ENOENT/],
    ['bad-2', uri(server.url('/broken.tar.gz'), { extract: true }), /bad archive: tar failed/],
    ['bad-3', uri(server.url('/hello.txt'), { outputFile: '../escape' }), /output_file: must be a plain file name/],
    ['bad-4', uri(server.url('/hello.txt'), { outputFile: 'a/b' }), /output_file/],
    ['bad-5', uri(server.url('/a%2F..%2Fb')), /output_file/],
    ['bad-6', uri('ftp://example.com/x'), /unsupported scheme 'ftp'/],
    ['bad-7', uri('relative/path'), /absolute path/],
    ['bad-8', uri('http://127.0.0.1:1/x'), /fetch failed/],
  ];
  for (const [taskId, bad, cause] of cases) {
    const status = (await runTask(master, agent, withUris(taskId, 'true', [bad]))).last.status!;
    assert.is(status.state, TaskState.FAILED, taskId);
    assert.is(status.reason, TaskStatus_Reason.FETCH_FAILED, taskId);
    assert.ok(status.message.includes(bad.value), `${taskId}: ${status.message}`);
    assert.match(status.message, cause, `${taskId}: ${status.message}`);
  }
});

test('cache: two tasks, one download; the second copy comes from the cache', async () => {
  server.routes.set('/cached.txt', { body: 'cached bytes\n' });
  const cached = uri(server.url('/cached.txt'), { cache: true });
  const first = await runTask(master, agent, withUris('cache-1', 'cat cached.txt', [cached]));
  const second = await runTask(master, agent, withUris('cache-2', 'cat cached.txt', [cached]));
  assert.is(stdout(first.sandbox), 'cached bytes\n');
  assert.is(stdout(second.sandbox), 'cached bytes\n');
  assert.is(server.hits.get('/cached.txt'), 1);
});

test('cache: tasks fetching the same URI at once share one download', async () => {
  let release!: () => void;
  server.routes.set('/slow.txt', { body: 'slow bytes\n', hold: new Promise<void>((resolve) => (release = resolve)) });
  const slow = uri(server.url('/slow.txt'), { cache: true });
  const runs = ['slow-1', 'slow-2', 'slow-3'].map((id) => runTask(master, agent, withUris(id, 'cat slow.txt', [slow])));
  // Every task is STARTING (fetching) before the server answers anything.
  for (const id of ['slow-1', 'slow-2', 'slow-3']) await master.waitForUpdate(id, 1);
  release();
  for (const run of await Promise.all(runs)) assert.is(stdout(run.sandbox), 'slow bytes\n');
  assert.is(server.hits.get('/slow.txt'), 1);
});

test('a kill while a URI is downloading aborts the fetch: TASK_KILLED, reason TASK_KILLED_DURING_LAUNCH', async () => {
  server.routes.set('/never.bin', { hold: new Promise(() => undefined) }); // the server never answers
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: withUris('stuck-1', 'touch ran', [uri(server.url('/never.bin'))]) } });
  await waitFor('the download to start', () => server.hits.get('/never.bin') === 1);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'stuck-1' } });
  const last = (await master.runToEnd('stuck-1', (u) => isTerminalState(u.status?.state), 5_000)).at(-1)!.status!;
  assert.is(last.state, TaskState.KILLED);
  assert.is(last.reason, TaskStatus_Reason.TASK_KILLED_DURING_LAUNCH);
  assert.ok(!existsSync(path.join(sandboxOf(agent, 'stuck-1'), 'ran')));
});

function customExecutorTask(taskId: string, executorId: string, script: string, uris: Uri[]): TaskInfo {
  return TaskInfo.create({
    taskId,
    name: taskId,
    executor: ExecutorInfo.create({
      type: ExecutorInfo_Type.CUSTOM,
      executorId,
      frameworkId: FRAMEWORK.id,
      command: CommandInfo.create({ shell: true, value: script, uris }),
    }),
  });
}

test("a custom executor's URIs are fetched into its sandbox before it starts", async () => {
  // The fetched "executor" only proves it ran (it never subscribes, so its task ends EXECUTOR_TERMINATED).
  server.routes.set('/executor.sh', { body: '#!/bin/sh\necho "executor ran" > marker\n' });
  const task = customExecutorTask('custom-1', 'fetched-ex', './executor.sh', [uri(server.url('/executor.sh'), { executable: true })]);
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const last = (await master.runToEnd('custom-1', (u) => isTerminalState(u.status?.state))).at(-1)!.status!;
  assert.is(last.reason, TaskStatus_Reason.EXECUTOR_TERMINATED, last.message);
  assert.is(readFileSync(path.join(sandboxOf(agent, 'fetched-ex'), 'marker'), 'utf8'), 'executor ran\n');
});

test("a custom executor whose URI cannot be fetched: its tasks fail with FETCH_FAILED, the executor never starts", async () => {
  const missing = server.url('/no-executor.sh');
  const task = customExecutorTask('custom-2', 'unfetched-ex', 'touch started', [uri(missing)]);
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const last = (await master.runToEnd('custom-2', (u) => isTerminalState(u.status?.state))).at(-1)!.status!;
  assert.is(last.state, TaskState.FAILED);
  assert.is(last.reason, TaskStatus_Reason.FETCH_FAILED);
  assert.match(last.message, /HTTP 404/);
  assert.ok(last.message.includes(missing));
  assert.ok(!existsSync(path.join(sandboxOf(agent, 'unfetched-ex'), 'started')));
});

test.run();
