// /files/read stays inside the sandbox: a real agent, a real task that plants
// symlinks in its sandbox, and a fake master (test double) to drive it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, getJson, isTerminalState, shellTask, tempDir } from './helpers.js';

let master: FakeMaster;
let agent: AgentHandle;
const read = (query: string) => getJson(agent.httpAddress, `/files/read?${query}`);
const base = 'framework_id=fw-1&executor_id=planter';

test.before(async () => {
  master = await new FakeMaster().start();
  agent = await startAgent({ master: master.address, workDir: tempDir(), port: 0, logger: silentLogger() });
  await agent.registered;
  const script = 'printf "h\\303\\251" > utf8 && mkdir sub && echo inside > sub/file && ln -s /etc/passwd passwd && ln -s .. up && ln -s sub/file alias';
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('planter', script) } });
  const last = (await master.runToEnd('planter', (u) => isTerminalState(u.status?.state))).at(-1)!;
  assert.is(last.status!.state, TaskState.FINISHED);
});

test.after(async () => {
  await agent.stop();
  await master.stop();
});

test('files inside the sandbox, including through a symlink that stays inside', async () => {
  assert.equal((await read(`${base}&path=sub/file`)).body, { data: 'inside\n', offset: 0, size: 7 });
  assert.equal((await read(`${base}&path=alias`)).body, { data: 'inside\n', offset: 0, size: 7 });
});

test('a read never ends inside a UTF-8 character', async () => {
  // utf8 holds "h" then "é" (2 bytes): 2 bytes from 0 would cut the "é".
  assert.equal((await read(`${base}&path=utf8&length=2`)).body, { data: 'h', offset: 0, size: 3 });
  assert.equal((await read(`${base}&path=utf8&offset=1`)).body, { data: 'é', offset: 1, size: 3 });
});

test("'..' segments are refused with 403", async () => {
  for (const path of ['../../../../etc/passwd', 'sub/../stdout', '..']) {
    const res = await read(`${base}&path=${encodeURIComponent(path)}`);
    assert.is(res.status, 403, path);
    assert.match(res.body.error, /\.\./);
  }
});

test('absolute paths are refused with 403', async () => {
  const res = await read(`${base}&path=${encodeURIComponent('/etc/passwd')}`);
  assert.is(res.status, 403);
  assert.match(res.body.error, /relative/);
});

test('symlinks leading outside the sandbox are refused with 403', async () => {
  for (const path of ['passwd', 'up/stdout', 'up']) {
    const res = await read(`${base}&path=${encodeURIComponent(path)}`);
    assert.is(res.status, 403, path);
    assert.match(res.body.error, /outside the sandbox/);
  }
});

test('unknown framework, executor or file → 404; bad parameters → 400', async () => {
  assert.is((await read('framework_id=nope&executor_id=planter&path=stdout')).status, 404);
  assert.is((await read('framework_id=fw-1&executor_id=nope&path=stdout')).status, 404);
  assert.is((await read(`${base}&path=missing`)).status, 404);
  assert.is((await read(`${base}&container_id=other&path=stdout`)).status, 404);
  assert.is((await read('executor_id=planter&path=stdout')).status, 400);
  assert.is((await read(`${base}`)).status, 400);
  assert.is((await read(`${base}&path=stdout&offset=abc`)).status, 400);
  assert.is((await read(`${base}&path=stdout&length=-5`)).status, 400);
  assert.is((await read(`${base}&path=sub`)).status, 400, 'a directory is not a file');
  const res = await getJson(agent.httpAddress, '/nope');
  assert.is(res.status, 404);
  assert.type(res.body.error, 'string');
});

test.run();
