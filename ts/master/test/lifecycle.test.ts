// The happy path end to end over real gRPC on loopback: a framework subscribes,
// a (test double) agent registers, the offer arrives, the framework launches a
// task, the agent's updates reach the framework and the framework's
// acknowledgements reach the agent; then decline with a filter and revive.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Operation_Type, TaskState } from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
let scheduler: TestScheduler;
let agent: FakeAgent;

test.before.each(async () => {
  tm = await startTestMaster();
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agent = new FakeAgent(tm.master.grpcAddress);
});

test.after.each(async () => {
  scheduler.close();
  agent.close();
  await tm.stop();
});

test('a task launched from an offer runs, finishes, and its updates are acknowledged end to end', async () => {
  const subscribed = await scheduler.subscribe({ name: 'happy' });
  assert.ok(subscribed?.frameworkId);
  assert.is(subscribed?.masterId, tm.master.id);
  const agentId = await agent.register();

  const [offer] = await scheduler.offers();
  assert.ok(offer);
  assert.is(offer.agentId, agentId);
  assert.is(offer.hostname, 'agent.test');
  assert.is(offer.role, '*');
  assert.equal(offer.attributes.map((a) => [a.name, a.text]), [['rack', 'r1']]);

  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [
      {
        type: Operation_Type.LAUNCH,
        launch: { taskInfos: [{ name: 't1', taskId: 't1', resources: parseWire('cpus:1;mem:128;ports:[31000-31000]'), command: { value: 'true', shell: true } }] },
      },
    ],
  });
  assert.is(err, null);

  const run = await agent.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  assert.is(run.runTask!.task!.taskId, 't1');
  assert.is(run.runTask!.task!.agentId, agentId);
  assert.is(run.runTask!.frameworkInfo!.id, scheduler.frameworkId);

  const state = tm.master.state();
  assert.is(state.tasks.length, 1);
  assert.is(state.tasks[0]!.state, 'STAGING');
  // used: the task's resources (worked: cpus 1 of 4, mem 128 of 4096, one port)
  assert.equal(state.agents[0]!.used, [
    { name: 'cpus', scalar: 1 },
    { name: 'mem', scalar: 128 },
    { name: 'ports', ranges: [[31000, 31000]] },
  ]);

  const runningUuid = agent.update(scheduler.frameworkId, 't1', TaskState.RUNNING);
  const running = await scheduler.update(TaskState.RUNNING, 't1');
  assert.ok(Buffer.from(running.uuid).equals(runningUuid));
  assert.is(running.agentId, agentId);
  assert.is(await scheduler.call('acknowledge', { header: scheduler.header, agentId, taskId: 't1', uuid: running.uuid }), null);
  const ack = await agent.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge of RUNNING');
  assert.ok(Buffer.from(ack.acknowledge!.uuid).equals(runningUuid));
  assert.is(ack.acknowledge!.taskId, 't1');

  agent.update(scheduler.frameworkId, 't1', TaskState.FINISHED, { exitCode: 0 });
  const finished = await scheduler.update(TaskState.FINISHED, 't1');
  // The terminal update frees the resources before it is acknowledged.
  await eventually(() => tm.master.state().agents[0]!.used.length === 0, 'resources freed');
  assert.is(await scheduler.call('acknowledge', { header: scheduler.header, agentId, taskId: 't1', uuid: finished.uuid }), null);
  await agent.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge of FINISHED');
  await eventually(() => tm.master.state().completedTasks.length === 1, 'task completed');
  const done = tm.master.state().completedTasks[0]!;
  assert.is(done.state, 'FINISHED');
  assert.equal(
    done.statuses.map((s) => s.state),
    ['STAGING', 'RUNNING', 'FINISHED'],
  );
  assert.is(tm.master.state().tasks.length, 0);

  // Acknowledging the same update again: nothing waits for it.
  const again = await scheduler.call('acknowledge', { header: scheduler.header, agentId, taskId: 't1', uuid: finished.uuid });
  assert.is(again?.code, 5); // NOT_FOUND
});

test('an update resent after its acknowledgement is acknowledged again, not forwarded twice', async () => {
  await scheduler.subscribe({ name: 'resend' });
  const agentId = await agent.register();
  const [offer] = await scheduler.offers();
  await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer!.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ name: 'r', taskId: 'r', resources: parseWire('cpus:1'), command: { value: 'true', shell: true } }] } }],
  });
  await agent.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  const uuid = agent.update(scheduler.frameworkId, 'r', TaskState.RUNNING);
  // The agent resends before the framework acknowledges: forwarded again with the same uuid.
  await scheduler.update(TaskState.RUNNING, 'r');
  agent.send({ statusUpdate: { frameworkId: scheduler.frameworkId, status: { taskId: 'r', state: TaskState.RUNNING, uuid } as never, latestState: TaskState.RUNNING } });
  const again = await scheduler.update(TaskState.RUNNING, 'r');
  assert.ok(Buffer.from(again.uuid).equals(uuid));
  assert.is(await scheduler.call('acknowledge', { header: scheduler.header, agentId, taskId: 'r', uuid }), null);
  await agent.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge');
  // The Acknowledge was lost on the way (say): the agent resends once more.
  agent.send({ statusUpdate: { frameworkId: scheduler.frameworkId, status: { taskId: 'r', state: TaskState.RUNNING, uuid } as never, latestState: TaskState.RUNNING } });
  const reack = await agent.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge again from the master');
  assert.ok(Buffer.from(reack.acknowledge!.uuid).equals(uuid));
  assert.ok(await scheduler.events.none((e) => e.update !== undefined, 200), 'not forwarded a third time');
  assert.equal(
    tm.master.state().tasks[0]!.statuses.map((x) => x.state),
    ['STAGING', 'RUNNING'],
  );
});

test('decline with a filter keeps the offer away until revive', async () => {
  await scheduler.subscribe({ name: 'decliner' });
  await agent.register();
  const [offer] = await scheduler.offers();
  assert.is(await scheduler.call('decline', { header: scheduler.header, offerIds: [offer!.id], filters: { refuseSeconds: 3600 } }), null);
  assert.is(tm.master.state().offers.length, 0);
  assert.ok(await scheduler.events.none((e) => e.offers !== undefined, 300), 'no offer while the filter holds');
  assert.is(await scheduler.call('revive', { header: scheduler.header, roles: [] }), null);
  const [back] = await scheduler.offers('the offer back after revive');
  assert.is(back!.agentId, offer!.agentId);
  assert.is.not(back!.id, offer!.id);
});

test('a short filter lapses by itself and the offer comes back', async () => {
  await scheduler.subscribe({ name: 'short-filter' });
  await agent.register();
  const [offer] = await scheduler.offers();
  const declinedAt = Date.now();
  assert.is(await scheduler.call('decline', { header: scheduler.header, offerIds: [offer!.id], filters: { refuseSeconds: 0.3 } }), null);
  await scheduler.offers('the offer after the filter lapses');
  assert.ok(Date.now() - declinedAt >= 250, 'not before the filter lapsed');
});

test('GET /health and GET /state answer JSON; other paths 404, other methods 405', async () => {
  await scheduler.subscribe({ name: 'http' });
  await agent.register();
  await scheduler.offers();
  const health = await fetch(`http://${tm.master.httpAddress}/health`);
  assert.is(health.status, 200);
  const body = (await health.json()) as Record<string, unknown>;
  // A standalone master leads and names itself.
  assert.equal(
    { ok: body.ok, leading: body.leading, elected: body.elected, masterId: body.masterId, leader: body.leader },
    { ok: true, leading: true, elected: false, masterId: tm.master.id, leader: tm.master.grpcAddress },
  );
  const res = await fetch(`http://${tm.master.httpAddress}/state`);
  assert.is(res.headers.get('content-type'), 'application/json');
  const state = (await res.json()) as ReturnType<typeof tm.master.state>;
  assert.is(state.id, tm.master.id);
  assert.is(state.grpcAddress, tm.master.grpcAddress);
  assert.is(state.agents[0]!.state, 'active');
  assert.is(state.frameworks[0]!.name, 'http');
  assert.is(state.frameworks[0]!.connected, true);
  assert.is(state.frameworks[0]!.offerCount, 1);
  assert.is(state.offers.length, 1);
  assert.equal(state.agents[0]!.total, [
    { name: 'cpus', scalar: 4 },
    { name: 'mem', scalar: 4096 },
    { name: 'ports', ranges: [[31000, 31009]] },
  ]);
  assert.is((await fetch(`http://${tm.master.httpAddress}/nope`)).status, 404);
  assert.is((await fetch(`http://${tm.master.httpAddress}/state`, { method: 'POST' })).status, 405);
});

test.run();
