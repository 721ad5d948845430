// 100 tasks across 3 (test double) agents: the framework launches from
// whatever it is offered until all are placed; each agent runs its tasks to
// FINISHED; every update is acknowledged and every acknowledgement reaches its
// agent; at the end nothing is used and every task is completed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Operation_Type, TaskState, type MasterMessage } from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster } from './support.js';

const TASKS = 100;

test('100 tasks on 3 agents all reach FINISHED and are acknowledged', async () => {
  const tm = await startTestMaster();
  const s = new TestScheduler(tm.master.grpcAddress);
  const agents = [0, 1, 2].map((i) => new FakeAgent(tm.master.grpcAddress, { hostname: `a${i}`, resources: 'cpus:40;mem:40960' }));
  try {
    await s.subscribe({ name: 'hundred' });
    for (const a of agents) await a.register();
    const byId = new Map(agents.map((a) => [a.id, a]));

    // Each agent finishes what it is asked to run at once: RUNNING, then FINISHED
    // once RUNNING is acknowledged (one update in flight per task, as real agents do).
    for (const a of agents) {
      a.inbox.push = ((orig) => (m: MasterMessage) => {
        if (m.runTask) a.update(s.frameworkId, m.runTask.task!.taskId, TaskState.RUNNING);
        else if (m.acknowledge) {
          const taskId = m.acknowledge.taskId;
          const acked = a.inbox.items.filter((x) => x.acknowledge?.taskId === taskId).length;
          if (acked === 0) a.update(s.frameworkId, taskId, TaskState.FINISHED);
        }
        orig(m);
      })(a.inbox.push.bind(a.inbox));
    }

    let next = 0;
    const finished = new Set<string>();
    const deadline = Date.now() + 20_000;
    while (finished.size < TASKS) {
      if (Date.now() > deadline) throw new Error(`only ${finished.size} of ${TASKS} finished`);
      const e = await s.events.next((x) => x.offers !== undefined || x.update !== undefined, 'offers or updates', 10_000);
      if (e.offers) {
        for (const offer of e.offers.offers) {
          const cpus = offer.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
          const count = Math.min(Math.floor(cpus), TASKS - next);
          const taskInfos = Array.from({ length: count }, () => {
            const id = `t${next++}`;
            return { taskId: id, name: id, resources: parseWire('cpus:1;mem:64'), command: { value: 'true', shell: true } };
          });
          const operations = taskInfos.length > 0 ? [{ type: Operation_Type.LAUNCH, launch: { taskInfos } }] : [];
          const err = await s.call('accept', { header: s.header, offerIds: [offer.id], operations, filters: { refuseSeconds: 0 } });
          assert.is(err, null, err?.details);
        }
      } else {
        const status = e.update!.status!;
        const err = await s.call('acknowledge', { header: s.header, agentId: status.agentId, taskId: status.taskId, uuid: status.uuid });
        assert.is(err, null, err?.details);
        if (status.state === TaskState.FINISHED) finished.add(status.taskId);
      }
    }
    assert.is(finished.size, TASKS);
    await eventually(() => tm.master.state().completedTasks.length === TASKS, 'every task completed');
    const state = tm.master.state();
    assert.is(state.tasks.length, 0);
    for (const agent of state.agents) assert.equal(agent.used, [], `agent ${agent.hostname} uses nothing`);
    // Every acknowledgement (RUNNING and FINISHED per task) reached the task's agent.
    // (They travel on the agents' streams after the calls return: polled, not counted at once.)
    const acks = (): number => [...byId.values()].reduce((n, a) => n + a.inbox.items.filter((m) => m.acknowledge).length, 0);
    await eventually(() => acks() >= 2 * TASKS, 'every acknowledgement at its agent');
    assert.is(acks(), 2 * TASKS);
    // Spread over more than one agent (40 cpus each cannot hold 100 tasks).
    assert.ok(new Set(state.completedTasks.map((t) => t.agentId)).size >= 3);
  } finally {
    s.close();
    for (const a of agents) a.close();
    await tm.stop();
  }
});

test.run();
