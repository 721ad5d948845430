// Scheduler failover: the framework runs as its own process
// (framework-process.ts), is SIGKILLed, and is started again with its
// framework id.
//
//   inside failover_timeout: it gets its framework back — the tasks ran on,
//     the update of a task that ended meanwhile is delivered now, and
//     reconciliation answers RUNNING for the task that still runs;
//   past failover_timeout: the master tears the framework down — its tasks
//     are killed on the agent (their processes gone) — and refuses the id.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { runningTasks } from './task-processes.ts';
import { sleep, until } from './util.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

test('scheduler killed and back within its failover timeout: same framework, tasks ran on, the missed update delivered, reconciliation says RUNNING', async () => {
  h = await Harness.start();
  await h.master();
  await h.agent();
  const fw = await h.frameworkProcess('failover-in', { failoverTimeoutSeconds: 10 });
  fw.launch([{ taskId: 'sf-long' }, { taskId: 'sf-ends', command: 'sleep 1.5; exit 0' }]);
  await h.waitForStates(fw.name, ['sf-long', 'sf-ends'], 'RUNNING');
  const id = fw.frameworkId()!;
  await sleep(300); // the RUNNING acks out of the process before it dies

  const t0 = performance.now();
  await fw.killProcess();
  await sleep(2500); // sf-ends finishes while no scheduler is there
  assert.is(h.oracle.latest(fw.name, 'sf-ends')?.state, 'RUNNING', 'nothing reached the dead scheduler');
  await fw.restart();
  await until(() => fw.events().filter((e) => e.type === 'subscribed').length === 2, 15_000, 'subscribed again');
  const again = fw.events().filter((e) => e.type === 'subscribed').at(-1)!;
  assert.is(again.type === 'subscribed' && again.frameworkId, id, 'the same framework id');
  console.log(`  re-subscribed ${(performance.now() - t0).toFixed(0)} ms after the kill`);

  await h.waitForUpdate(fw.name, (u) => u.taskId === 'sf-ends' && u.state === 'FINISHED', 15_000, 'the FINISHED it missed');
  fw.reconcile([]);
  const answer = await h.waitForUpdate(fw.name, (u) => u.taskId === 'sf-long' && u.reason === 'RECONCILIATION', 10_000, 'reconciliation answer');
  assert.is(answer.state, 'RUNNING');
  assert.is(answer.uuid, '', 'reconciliation answers carry no uuid');
  await sleep(500);
  await h.oracle.settle();
  assert.equal(h.oracle.verify({ 'failover-in': ['sf-long'] }), []);
  assert.equal(h.oracle.violations, [], h.oracle.dump());
});

test('scheduler killed and back past its failover timeout: framework torn down, its tasks killed, its id refused', async () => {
  h = await Harness.start();
  const master = await h.master();
  await h.agent();
  const fw = await h.frameworkProcess('failover-past', { failoverTimeoutSeconds: 1 });
  fw.launch([{ taskId: 'sf-doomed' }]);
  await h.waitForStates(fw.name, ['sf-doomed'], 'RUNNING');
  const id = fw.frameworkId()!;

  const t0 = performance.now();
  await fw.killProcess();
  await until(() => !runningTasks(h!.dir).has(`${id}/sf-doomed`), 15_000, 'the task killed after the failover timeout');
  console.log(`  task processes gone ${(performance.now() - t0).toFixed(0)} ms after the scheduler died (failover timeout 1 s)`);
  const state = await master.state();
  assert.not.ok((state.frameworks as Array<{ id: string }>).some((f) => f.id === id), 'framework no longer active in /state');

  await fw.restart();
  await until(() => fw.events().some((e) => e.type === 'error'), 15_000, 'the subscription refused');
  const refusal = fw.events().find((e) => e.type === 'error')!;
  console.log(`  re-subscription refused: ${refusal.type === 'error' ? refusal.message : ''}`);
  assert.is(fw.events().filter((e) => e.type === 'subscribed').length, 1, 'never subscribed again');
  await h.oracle.settle();
  assert.equal(h.oracle.violations, [], h.oracle.dump());
  assert.equal(h.oracle.verify(), []);
});

test.run();
