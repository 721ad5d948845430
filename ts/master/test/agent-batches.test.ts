// The agent stream's batched status updates (AgentMessage.status_updates):
// each entry is handled exactly as a status_update message of its own, in
// order; a malformed or unknown entry is dropped as the single form would be
// and the rest still apply. Over real gRPC on loopback with a (test double)
// agent that sends the batches by hand.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  Operation_Type,
  TaskState,
  TaskStatus,
  TaskStatus_Source,
  newUpdateUuid,
  type AgentMessage_StatusUpdate,
} from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster } from './support.js';

function entry(frameworkId: string, taskId: string, state: TaskState, uuid: Buffer): AgentMessage_StatusUpdate {
  return {
    frameworkId,
    status: TaskStatus.create({ taskId, state, uuid, source: TaskStatus_Source.EXECUTOR, timestamp: Date.now() / 1000, executorId: taskId }),
    latestState: state,
  };
}

test('status_updates: every well-formed entry is applied in order, malformed and unknown ones are dropped alone', async () => {
  const tm = await startTestMaster();
  const s = new TestScheduler(tm.master.grpcAddress);
  const a = new FakeAgent(tm.master.grpcAddress);
  try {
    await s.subscribe({ name: 'batched-updates' });
    const agentId = await a.register();
    const [offer] = await s.offers();
    const tasks = ['t1', 't2'];
    assert.is(
      await s.call('accept', {
        header: s.header,
        offerIds: [offer!.id],
        operations: [
          {
            type: Operation_Type.LAUNCH,
            launch: { taskInfos: tasks.map((t) => ({ name: t, taskId: t, resources: parseWire('cpus:1;mem:64'), command: { value: 'true', shell: true } })) },
          },
        ],
      }),
      null,
    );
    for (const t of tasks) await a.inbox.next((m) => m.runTask?.task?.taskId === t, `RunTask ${t}`);

    const u1 = newUpdateUuid();
    const u2 = newUpdateUuid();
    a.send({
      statusUpdates: {
        updates: [
          entry(s.frameworkId, 't1', TaskState.RUNNING, u1),
          entry(s.frameworkId, 't2', TaskState.RUNNING, Buffer.alloc(3)), // malformed: a 3-byte uuid
          entry(s.frameworkId, 'no-such-task', TaskState.RUNNING, newUpdateUuid()), // unknown task
          { frameworkId: s.frameworkId, latestState: TaskState.RUNNING }, // malformed: no status
          entry(s.frameworkId, 't2', TaskState.RUNNING, u2),
        ],
      },
    });
    const r1 = await s.update(TaskState.RUNNING, 't1');
    const r2 = await s.update(TaskState.RUNNING, 't2');
    assert.ok(Buffer.from(r1.uuid).equals(u1));
    assert.ok(Buffer.from(r2.uuid).equals(u2), 't2 got the well-formed entry, not the malformed one');
    assert.is(r1.agentId, agentId);
    assert.is(r1.source, TaskStatus_Source.EXECUTOR);
    assert.ok(await s.events.none((e) => e.update !== undefined, 300), 'no update for the dropped entries');
    assert.is(tm.master.state().agents[0]!.state, 'active', 'a malformed entry does not cost the agent its stream');

    // Acknowledged in one call: relayed to the agent in one batched message.
    assert.is(await s.call('acknowledge', { header: s.header, agentId, taskId: 't1', uuid: u1 }), null);
    assert.is(await s.call('acknowledge', { header: s.header, agentId, taskId: 't2', uuid: u2 }), null);
    for (const t of tasks) await a.inbox.next((m) => m.acknowledge?.taskId === t, `Acknowledge of ${t}`);

    // A resend of an acknowledged update inside a batch is answered as the single
    // form is (acknowledged again, not forwarded); the new updates apply.
    const f1 = newUpdateUuid();
    const f2 = newUpdateUuid();
    a.send({
      statusUpdates: {
        updates: [
          entry(s.frameworkId, 't1', TaskState.RUNNING, u1),
          entry(s.frameworkId, 't1', TaskState.FINISHED, f1),
          entry(s.frameworkId, 't2', TaskState.FINISHED, f2),
        ],
      },
    });
    const reack = await a.inbox.next((m) => m.acknowledge?.taskId === 't1', 'the resent RUNNING acknowledged again');
    assert.ok(Buffer.from(reack.acknowledge!.uuid).equals(u1));
    const d1 = await s.update(TaskState.FINISHED, 't1');
    const d2 = await s.update(TaskState.FINISHED, 't2');
    assert.ok(Buffer.from(d1.uuid).equals(f1));
    assert.ok(Buffer.from(d2.uuid).equals(f2));
    assert.ok(await s.events.none((e) => e.update?.status?.state === TaskState.RUNNING, 200), 'the resent RUNNING is not forwarded again');

    // Terminal entries free the tasks' resources: all 4 cpus are offered again.
    const offeredCpus = (): number =>
      tm.master.state().offers.flatMap((o) => o.resources).filter((r) => r.name === 'cpus').reduce((n, r) => n + (r.scalar ?? 0), 0);
    await eventually(() => offeredCpus() === 4, 'the freed resources offered again');

    assert.is(await s.call('acknowledge', { header: s.header, agentId, taskId: 't1', uuid: f1 }), null);
    assert.is(await s.call('acknowledge', { header: s.header, agentId, taskId: 't2', uuid: f2 }), null);
    await eventually(() => tm.master.state().completedTasks.length === 2, 'both tasks completed');
    assert.equal(tm.master.state().completedTasks.map((t) => t.state).sort(), ['FINISHED', 'FINISHED']);
  } finally {
    s.close();
    a.close();
    await tm.stop();
  }
});

test.run();
