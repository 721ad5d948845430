// An agent stopped the way an operator stops it for an upgrade — SIGTERM to
// `tessera agent --on-stop leave` — leaves its native containers running; the
// agent started again on the same work dir re-attaches them: the same agent
// id, the task still RUNNING with the same process, no update in between, and
// its later end reported once. With the default (--on-stop kill) SIGTERM
// kills the tasks, as before.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { sleep, until } from './util.ts';
import { taskProcesses } from './task-processes.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

test('SIGTERM with --on-stop leave: the task runs on, the restarted agent re-attaches it, its end is reported once', async () => {
  h = await Harness.start();
  await h.master();
  const a = await h.agent({ hostname: 'up-a1', containerizers: 'native', args: ['--on-stop', 'leave'] });
  const fw = h.framework('up', { failoverTimeoutSeconds: 60 });
  fw.launch([{ taskId: 'up-task', command: 'sleep 6; exit 7' }]);
  await h.waitForStates(fw.name, ['up-task'], 'RUNNING', 30_000);
  const pids = taskProcesses(h.dir).filter((p) => p.taskId === 'up-task').map((p) => p.pid);
  assert.ok(pids.length > 0, 'the task runs');
  const updates = fw.updates('up-task').length;

  const exit = await a.proc.stop(); // SIGTERM, as systemd's stop
  assert.is(exit.code, 0, 'the agent exits cleanly');
  await sleep(500);
  assert.ok(pids.every((pid) => taskProcesses(h!.dir).some((p) => p.pid === pid)), 'the task processes outlived the agent');
  assert.is(fw.updates('up-task').length, updates, 'no update while the agent was away');

  const id = a.id;
  await a.restart();
  assert.is(a.id, id, 'the same agent id');
  const containers = await a.containers();
  assert.ok(containers.some((c) => c.taskId === 'up-task'), 'the restarted agent supervises the task again');
  await until(() => fw.updates('up-task').some((u) => u.state === 'FAILED'), 20_000, "the task's exit");
  assert.equal(
    fw.updates('up-task').filter((u) => u.state === 'FAILED').length,
    1,
    'its end reported once',
  );
  assert.equal(h.oracle.violations, []);
});

test('SIGTERM with the default --on-stop kill: the tasks are killed', async () => {
  h = await Harness.start();
  await h.master();
  const a = await h.agent({ hostname: 'up-a2', containerizers: 'native' });
  const fw = h.framework('up2', { failoverTimeoutSeconds: 60 });
  fw.launch([{ taskId: 'up-killed', command: 'sleep 60' }]);
  await h.waitForStates(fw.name, ['up-killed'], 'RUNNING', 30_000);
  await a.proc.stop();
  await until(() => !taskProcesses(h!.dir).some((p) => p.taskId === 'up-killed'), 10_000, 'the task processes gone');
});

test.run();
