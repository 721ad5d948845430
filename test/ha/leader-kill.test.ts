// kill -9 the leading master while tasks run, on a real 3-server ZooKeeper
// ensemble with three `tessera master --zk` processes, two agents and a
// framework that all follow the leader through zk://. A standby leads within
// a few seconds (the dead leader's ZooKeeper session must expire first: 4 s),
// the agents re-register with their tasks, the framework re-subscribes, no
// task is killed, reconciliation reports every task RUNNING, and the new
// leader makes offers (a task launched after the kill runs). One agent is
// frozen across the failover: until it is back, reconciliation has no answer
// for its tasks (as Mesos: the new leader cannot know yet), and the other
// agent's are answered RUNNING.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness, type AgentProc, type MasterProc } from './harness.ts';
import { sleep, until } from './util.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

const activeAgents = async (m: MasterProc): Promise<number> =>
  ((await m.state().catch(() => ({ agents: [] }))).agents as Array<{ state: string }>).filter((a) => a.state === 'active').length;

test('leader SIGKILLed while tasks run: a standby leads, agents re-register, no task killed, reconciliation says RUNNING', async () => {
  h = await Harness.start({ zk: true, zkSessionTimeoutSeconds: 4 });
  await Promise.all([h.master(), h.master(), h.master()]);
  const leader = await h.leader();
  await Promise.all([h.agent({ hostname: 'lk-a1' }), h.agent({ hostname: 'lk-a2' })]);
  const fw = h.framework('lk', { failoverTimeoutSeconds: 60 });
  const tasks = ['lk-1', 'lk-2', 'lk-3', 'lk-4'];
  fw.launch(tasks.map((taskId, i) => ({ taskId, agent: i % 2 ? 'lk-a2' : 'lk-a1' })));
  await h.waitForStates(fw.name, tasks, 'RUNNING', 30_000);
  assert.is(await activeAgents(leader), 2);
  const standbys = await h.standbys();
  assert.is(standbys.length, 2, 'two standbys');
  for (const s of standbys) assert.is((await s.health())?.leader, leader.grpc, `${s.name} names the leader`);

  // Every acknowledgement accepted and passed on before the fault: one still
  // in flight when the leader goes may come back (README, "Known issues").
  await until(() => fw.updates().every((u) => !u.uuid || h!.oracle.ackedAt(fw.name, u.uuid)), 5000, 'acks accepted');
  await sleep(500);
  // lk-a2 is frozen across the failover, so the new leader has it in its
  // registry but not back yet: reconciliation must wait for it (Mesos).
  const [a1, a2] = h.agents as [AgentProc, AgentProc];
  a2.pause();
  const t0 = performance.now();
  await leader.kill();
  const next = await h.leader(20_000);
  const elected = performance.now() - t0;
  assert.is.not(next, leader);
  await until(async () => (await activeAgents(next)) === 1, 20_000, 'lk-a1 re-registered with the new leader');
  const reregistered = performance.now() - t0;
  const asked = Date.now();
  fw.reconcile([
    { taskId: 'lk-1', agentId: a1.id },
    { taskId: 'lk-2', agentId: a2.id },
  ]);
  const early = await h.waitForUpdate(fw.name, (u) => u.taskId === 'lk-1' && u.reason === 'RECONCILIATION', 15_000, 'lk-1 reconciled');
  assert.is(early.state, 'RUNNING');
  await sleep(1500);
  assert.not.ok(
    fw.updates('lk-2').some((u) => u.reason === 'RECONCILIATION' && u.at >= asked),
    `no answer for a task of an agent that has not re-registered:\n${h.oracle.dump()}`,
  );
  a2.resume();
  await until(async () => (await activeAgents(next)) === 2, 20_000, 'lk-a2 re-registered once resumed');
  await until(() => fw.events().filter((e) => e.type === 'subscribed').length >= 2, 20_000, 'framework re-subscribed');
  const resubscribed = performance.now() - t0;
  // The new leader makes offers: a task launched now runs.
  fw.launch([{ taskId: 'lk-after' }]);
  await h.waitForStates(fw.name, ['lk-after'], 'RUNNING', 20_000);
  const offering = performance.now() - t0;
  console.log(
    `  leader killed → new leader ${elected.toFixed(0)} ms, lk-a1 back ${reregistered.toFixed(0)} ms, ` +
      `framework back ${resubscribed.toFixed(0)} ms, a new task RUNNING ${offering.toFixed(0)} ms`,
  );
  assert.ok(elected < 15_000, `a standby leads within a few seconds (${elected.toFixed(0)} ms; session timeout 4 s)`);

  fw.reconcile([]);
  await until(() => tasks.every((t) => fw.updates(t).some((u) => u.reason === 'RECONCILIATION')), 15_000, 'reconciliation answers for every task');
  for (const t of tasks) {
    const answer = fw.updates(t).filter((u) => u.reason === 'RECONCILIATION').at(-1)!;
    assert.is(answer.state, 'RUNNING', `${t} reconciled RUNNING`);
  }
  await sleep(500);
  await h.oracle.settle();
  assert.ok(fw.updates().every((u) => u.state === 'STARTING' || u.state === 'RUNNING'), `no task ended:\n${h.oracle.dump()}`);
  assert.equal(h.oracle.verify({ lk: [...tasks, 'lk-after'] }), []);
  assert.equal(h.oracle.violations, [], h.oracle.dump());
  const state = await next.state();
  assert.ok((state.frameworks as Array<{ id: string }>).some((f) => f.id === fw.frameworkId()), 'the new leader knows the framework');
});

test.run();
