// Faults: a scheduler that disconnects (offers come back; re-subscribing within
// failover_timeout gets the updates it missed; past it, its tasks are killed),
// a second subscription taking over, and an agent that stops answering pings
// (its tasks UNREACHABLE for partition-aware frameworks, LOST for others).

import { status } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { FrameworkCapability, Operation_Type, TaskState, type Offer } from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
const closers: Array<() => void> = [];

test.before.each(async () => {
  tm = await startTestMaster({ agentPingIntervalSeconds: 0.2, maxAgentPingTimeouts: 3, frameworkHeartbeatSeconds: 0.2 });
});

test.after.each(async () => {
  for (const close of closers.splice(0)) close();
  await tm.stop();
});

function scheduler(): TestScheduler {
  const s = new TestScheduler(tm.master.grpcAddress);
  closers.push(() => s.close());
  return s;
}

function agent(): FakeAgent {
  const a = new FakeAgent(tm.master.grpcAddress);
  closers.push(() => a.close());
  return a;
}

async function launch(s: TestScheduler, offer: Offer, taskId: string, resources = 'cpus:1;mem:128'): Promise<void> {
  const err = await s.call('accept', {
    header: s.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId, name: taskId, resources: parseWire(resources), command: { value: 'sleep 1000', shell: true } }] } }],
    filters: { refuseSeconds: 0 },
  });
  assert.is(err, null, err?.details);
}

test('heartbeats arrive every frameworkHeartbeatSeconds', async () => {
  const s = scheduler();
  await s.subscribe({ name: 'hb' });
  await s.events.next((e) => e.heartbeat !== undefined, 'HEARTBEAT', 2000);
});

test('a disconnected scheduler leaves no offer outstanding; re-subscribing within failover gets the missed update', async () => {
  const s = scheduler();
  await s.subscribe({ name: 'failover', failoverTimeout: 60 });
  const a = agent();
  await a.register();
  const [offer] = await s.offers();
  await launch(s, offer!, 't1');
  await a.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  await s.offers('the rest of the agent offered again');
  assert.is(tm.master.state().offers.length, 1);

  const frameworkId = s.frameworkId;
  s.disconnect();
  await eventually(() => tm.master.state().offers.length === 0, 'offers rescinded after the disconnect');
  await eventually(() => tm.master.state().frameworks[0]?.connected === false, 'framework disconnected');
  // The rescinded offer's resources are free again (only the task's are used).
  assert.equal(tm.master.state().agents[0]!.offered, []);
  assert.equal(tm.master.state().agents[0]!.used, [{ name: 'cpus', scalar: 1 }, { name: 'mem', scalar: 128 }]);

  const uuid = a.update(frameworkId, 't1', TaskState.RUNNING);
  await eventually(() => tm.master.state().tasks[0]?.state === 'RUNNING', 'update taken in while disconnected');

  const s2 = scheduler();
  const subscribed = await s2.subscribe({ name: 'failover', id: frameworkId, failoverTimeout: 60 });
  assert.is(subscribed!.frameworkId, frameworkId);
  const missed = await s2.update(TaskState.RUNNING, 't1');
  assert.ok(Buffer.from(missed.uuid).equals(uuid), 'the same update, with its uuid');
  assert.is(await s2.call('acknowledge', { header: s2.header, agentId: a.id, taskId: 't1', uuid: missed.uuid }), null);
  await a.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge relayed');
  await s2.offers('offers again after re-subscribing');
});

test('a second subscription takes over: the old stream ends and its stream id is refused', async () => {
  const s = scheduler();
  await s.subscribe({ name: 'takeover', failoverTimeout: 60 });
  const oldHeader = s.header;
  const s2 = scheduler();
  await s2.subscribe({ name: 'takeover', id: s.frameworkId, failoverTimeout: 60 });
  await eventually(() => s.ended !== undefined, 'old stream ended');
  // The older scheduler was told it failed over (an ERROR is fatal to it).
  const error = s.events.items.find((e) => e.error !== undefined);
  assert.match(error?.error?.message ?? '', /failed over/);
  const err = await s2.call('revive', { header: oldHeader });
  assert.is(err?.code, status.PERMISSION_DENIED);
  assert.is(await s2.call('revive', { header: s2.header }), null);
});

test('past failover_timeout the framework is torn down: its agent is told to shut it down', async () => {
  const s = scheduler();
  await s.subscribe({ name: 'short', failoverTimeout: 0.5 });
  const a = agent();
  await a.register();
  const [offer] = await s.offers();
  await launch(s, offer!, 'doomed');
  await a.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  const frameworkId = s.frameworkId;
  const goneAt = Date.now();
  s.disconnect();
  const shutdown = await a.inbox.next((m) => m.shutdownFramework !== undefined, 'ShutdownFramework', 3000);
  assert.ok(Date.now() - goneAt >= 400, 'not before the failover timeout');
  assert.is(shutdown.shutdownFramework!.frameworkId, frameworkId);
  const state = tm.master.state();
  assert.is(state.frameworks.length, 0);
  assert.is(state.completedFrameworks[0]!.id, frameworkId);
  assert.is(state.completedTasks[0]!.state, 'KILLED');
  assert.equal(state.agents[0]!.used, []);
  const late = scheduler();
  const err = await late.subscribe({ name: 'short', id: frameworkId }).then(
    () => null,
    (e: { code: number }) => e,
  );
  assert.is(err?.code, status.FAILED_PRECONDITION);
});

test('an agent that stops answering pings: UNREACHABLE for partition-aware, LOST for others; back again, RUNNING and killed', async () => {
  const aware = scheduler();
  await aware.subscribe({ name: 'aware', capabilities: [FrameworkCapability.PARTITION_AWARE] });
  const plain = scheduler();
  await plain.subscribe({ name: 'plain' });
  const a = agent();
  await a.register();
  // One agent, two frameworks: whoever gets the offer launches a small task, then the other gets the rest.
  const hasOffer = (x: TestScheduler): boolean => x.events.items.some((e) => e.offers !== undefined);
  await eventually(() => hasOffer(aware) || hasOffer(plain), 'the first offer');
  const firstScheduler = hasOffer(aware) ? aware : plain;
  const first = { s: firstScheduler, o: await firstScheduler.offers() };
  await launch(first.s, first.o[0]!, 'task-a');
  const other = first.s === aware ? plain : aware;
  const [rest] = await other.offers('the rest of the agent for the other framework');
  await launch(other, rest!, 'task-b');
  await a.inbox.next((m) => m.runTask?.task?.taskId === 'task-a', 'RunTask a');
  await a.inbox.next((m) => m.runTask?.task?.taskId === 'task-b', 'RunTask b');
  const awareTask = first.s === aware ? 'task-a' : 'task-b';
  const plainTask = first.s === aware ? 'task-b' : 'task-a';
  a.update(aware.frameworkId, awareTask, TaskState.RUNNING);
  a.update(plain.frameworkId, plainTask, TaskState.RUNNING);
  const r1 = await aware.update(TaskState.RUNNING, awareTask);
  const r2 = await plain.update(TaskState.RUNNING, plainTask);
  await aware.call('acknowledge', { header: aware.header, agentId: a.id, taskId: awareTask, uuid: r1.uuid });
  await plain.call('acknowledge', { header: plain.header, agentId: a.id, taskId: plainTask, uuid: r2.uuid });

  a.answerPings = false;
  // 3 pings × 0.2 s: unreachable within about a second.
  const unreachable = await aware.update(TaskState.UNREACHABLE, awareTask, 3000);
  const lost = await plain.update(TaskState.LOST, plainTask, 3000);
  assert.is(unreachable.uuid.length, 16);
  assert.is(lost.uuid.length, 16);
  await aware.events.next((e) => e.failure?.agentId === a.id, 'FAILURE for the agent');
  await eventually(() => tm.master.state().agents[0]!.state === 'unreachable', 'agent unreachable');
  // Master-made updates are acknowledged too, and the master drops those acks.
  assert.is(await plain.call('acknowledge', { header: plain.header, agentId: a.id, taskId: plainTask, uuid: lost.uuid }), null);

  // The agent comes back with both tasks still running.
  a.answerPings = true;
  const frameworkOf = (t: string): string => (t === awareTask ? aware.frameworkId : plain.frameworkId);
  const back = await a.reregister(
    [awareTask, plainTask].map((t) => ({
      taskId: t,
      name: t,
      frameworkId: frameworkOf(t),
      agentId: a.id,
      executorId: t,
      state: TaskState.RUNNING,
      resources: parseWire('cpus:1;mem:128'),
      role: '*',
      status: undefined,
      labels: undefined,
    })),
  );
  assert.ok(back.registered, 'registered again');
  await aware.update(TaskState.RUNNING, awareTask, 3000);
  const kill = await a.inbox.next((m) => m.killTask?.taskId === plainTask, 'KillTask for the task reported LOST');
  assert.is(kill.killTask!.frameworkId, plain.frameworkId);
  await eventually(() => tm.master.state().agents[0]!.state === 'active', 'agent active again');
});

test.run();
