// Sandbox garbage collection on real directories: the SandboxGc alone (with a
// test-supplied disk usage where the test is about a full disk), then through
// real agents (fake master, a test double) — a finished task's sandbox goes
// after the delay and not before, and a restarted agent schedules what its
// earlier run left by mtime.

import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { SandboxGc, diskUsage, findSandboxes } from '../src/sandbox/gc.js';
import { FakeMaster } from './fake-master.js';
import { removeScratchDirs, runTask, scratchDir } from './fetcher-helpers.js';
import { FRAMEWORK, getJson, shellTask, waitFor } from './helpers.js';

const stopAfter: Array<() => Promise<void>> = [];
test.after.each(async () => {
  for (const stop of stopAfter.splice(0)) await stop();
});
test.after(() => removeScratchDirs());

function sandboxIn(workDir: string, executor: string): string {
  const dir = path.join(workDir, 'agents', 'a1', 'frameworks', 'fw-1', 'executors', executor, 'runs', 'c1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'stdout'), 'output\n');
  return dir;
}

/** Polls until `dir` is gone; returns when that was seen. */
async function goneAt(dir: string, timeoutMs = 10_000): Promise<number> {
  await waitFor(`${dir} to be deleted`, () => !existsSync(dir), timeoutMs);
  return Date.now();
}

test('a scheduled sandbox is deleted after the delay, not before, and reported', async () => {
  const workDir = scratchDir();
  const removed: string[] = [];
  // An empty disk and no headroom: the whole delay counts.
  const gc = new SandboxGc({ workDir, delayMs: 400, diskHeadroom: 0, logger: silentLogger(), onRemoved: (d) => removed.push(d), diskUsage: async () => 0 });
  stopAfter.push(() => gc.stop());
  await gc.start();
  const dir = sandboxIn(workDir, 'ex-1');
  const endedAt = Date.now();
  gc.schedule(dir, endedAt);
  assert.equal(gc.pending(), [{ sandbox: dir, removeAt: endedAt + 400 }]);
  assert.ok(existsSync(dir));
  const at = await goneAt(dir);
  assert.ok(at >= endedAt + 400, `deleted ${at - endedAt} ms after the end, before the 400 ms delay`);
  await waitFor('the removal to be reported', () => removed.length === 1);
  assert.equal(removed, [dir]);
  assert.equal(gc.pending(), []);
});

test('a full disk shortens the delay: allowed age = delay × max(0, 1 − headroom − usage)', async () => {
  const workDir = scratchDir();
  let usage = 0.5;
  const hour = 3_600_000;
  const gc = new SandboxGc({ workDir, delayMs: hour, diskHeadroom: 0.1, logger: silentLogger(), diskUsage: async () => usage });
  stopAfter.push(() => gc.stop());
  await gc.start();
  const dir = sandboxIn(workDir, 'ex-2');
  const endedAt = Date.now();
  gc.schedule(dir, endedAt);
  const removeIn = () => Math.round(gc.pending()[0]!.removeAt - endedAt);
  assert.is(removeIn(), 0.4 * hour); // usage .5, headroom .1 → age allowed = 1 h × (1 − .1 − .5) = 1 h × .4
  usage = 0.8;
  await gc.checkDisk();
  assert.is(removeIn(), 0.1 * hour); // 1 h × (1 − .1 − .8)
  assert.ok(existsSync(dir));
  usage = 0.95; // past 1 − headroom: nothing may stay
  await gc.checkDisk();
  await goneAt(dir);
});

test('a sandbox a live executor uses again (re-attached after a restart) is kept, and leaves the schedule', async () => {
  const workDir = scratchDir();
  const dir = sandboxIn(workDir, 'ex-live');
  const gc = new SandboxGc({ workDir, delayMs: 0, diskHeadroom: 0, logger: silentLogger(), diskUsage: async () => 0, inUse: (d) => d === dir });
  stopAfter.push(() => gc.stop());
  await gc.start(); // the scan schedules it (delay 0: due at once)
  await waitFor('the schedule to be worked through', () => gc.pending().length === 0);
  assert.ok(existsSync(dir));
});

test('the scan finds every run directory under agents/*/frameworks/*/executors/*/runs/*', async () => {
  const workDir = scratchDir();
  const a = sandboxIn(workDir, 'ex-a');
  const b = sandboxIn(workDir, 'ex-b');
  writeFileSync(path.join(workDir, 'agents', 'a1', 'frameworks', 'fw-1', 'stray-file'), '');
  assert.equal((await findSandboxes(workDir)).sort(), [a, b].sort());
  assert.equal(await findSandboxes(scratchDir()), [], 'an empty work dir has none');
});

// ---- through the agent ----

async function agentOn(master: FakeMaster, workDir: string, sandboxGcDelaySeconds: number): Promise<AgentHandle> {
  const agent = await startAgent({
    master: master.address,
    workDir,
    port: 0,
    logger: silentLogger(),
    containerizers: ['posix'],
    sandboxGcDelaySeconds,
    sandboxGcDiskHeadroom: 0,
  });
  await agent.registered;
  return agent;
}

test('a finished task: its sandbox goes after sandboxGcDelaySeconds, then it leaves /state and /files', async () => {
  const master = await new FakeMaster().start();
  stopAfter.push(() => master.stop());
  const workDir = scratchDir();
  const agent = await agentOn(master, workDir, 2);
  stopAfter.push(() => agent.stop());
  // The delay shrinks by this disk's usage (headroom 0): 2 s × (1 − usage).
  const keptMs = 2_000 * (1 - (await diskUsage(workDir)));
  const run = await runTask(master, agent, shellTask('gc-1', 'echo bye'));
  const endedAt = run.last.status!.timestamp * 1000; // the executor ended as its last update was made
  assert.is(run.last.status!.state, TaskState.FINISHED);
  const read = () => getJson(agent.httpAddress, '/files/read?framework_id=fw-1&executor_id=gc-1&path=stdout');
  assert.is((await read()).body.data, 'bye\n', 'readable until collected');
  const at = await goneAt(run.sandbox);
  // (less 20 ms for the disk usage moving between the agent's reading and ours)
  assert.ok(at - endedAt >= keptMs - 20, `deleted ${at - endedAt} ms after the task ended, before the ${Math.round(keptMs)} ms it is kept`);
  await waitFor('the executor to leave /state', () => {
    const framework = agent.state().frameworks.find((f) => f.id === FRAMEWORK.id);
    return framework?.completedExecutors.every((e) => e.id !== 'gc-1');
  });
  assert.is((await read()).status, 404);
});

test('after a restart, sandboxes of the earlier run are scheduled by their mtime', async () => {
  const master = await new FakeMaster().start();
  stopAfter.push(() => master.stop());
  const workDir = scratchDir();
  const hour = 3600;
  const first = await agentOn(master, workDir, hour);
  stopAfter.push(() => first.stop()); // stop() is idempotent: also covers a failure before the restart
  const old = await runTask(master, first, shellTask('old-task', 'echo old'));
  const recent = await runTask(master, first, shellTask('recent-task', 'echo recent'));
  await first.stop();
  // The old one's mtime says it ended 1 s short of the time it is kept (an hour, shrunk by the disk's usage).
  const keptMs = hour * 1000 * (1 - (await diskUsage(workDir)));
  const oldTime = (Date.now() - keptMs + 1_000) / 1000;
  utimesSync(old.sandbox, oldTime, oldTime);
  const restartedAt = Date.now();
  const second = await agentOn(master, workDir, hour);
  stopAfter.push(() => second.stop());
  const at = await goneAt(old.sandbox);
  assert.ok(at - restartedAt < 5_000);
  assert.ok(existsSync(recent.sandbox), 'the recent sandbox keeps the rest of its hour');
});

test.run();
