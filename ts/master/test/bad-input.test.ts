// Bad input from schedulers: each call gets the right gRPC status, a message
// naming the field at fault, and changes nothing (the offer stays outstanding
// and acceptable afterwards).

import { status } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { FrameworkCapability, Operation_Type, TaskState, type Offer } from '@tessera/common';

import { FakeAgent, TestScheduler, parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
let scheduler: TestScheduler;
let agent: FakeAgent;
let offer: Offer;

test.before.each(async () => {
  tm = await startTestMaster();
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agent = new FakeAgent(tm.master.grpcAddress);
  await scheduler.subscribe({ name: 'bad-input' });
  await agent.register();
  [offer] = (await scheduler.offers()) as [Offer];
});

test.after.each(async () => {
  scheduler.close();
  agent.close();
  await tm.stop();
});

const launch = (taskId: string, resources = 'cpus:1;mem:128') => ({
  taskId,
  name: taskId,
  resources: parseWire(resources),
  command: { value: 'true', shell: true },
});

/** The offer is still outstanding and the master has no task: nothing changed. */
function unchanged(): void {
  const state = tm.master.state();
  assert.equal(state.offers.map((o) => o.id), [offer.id]);
  assert.is(state.tasks.length, 0);
  assert.is(state.agents[0]!.used.length, 0);
}

function expectError(err: { code: number; details: string } | null, code: status, fragment: string): void {
  assert.ok(err, 'the call must fail');
  assert.is(err!.code, code, `code ${err!.code} (${err!.details})`);
  assert.ok(err!.details.includes(fragment), `message ${JSON.stringify(err!.details)} should name ${fragment}`);
}

test('unknown framework id → NOT_FOUND naming header.framework_id', async () => {
  const err = await scheduler.call('decline', { header: { frameworkId: 'nope', streamId: scheduler.streamId }, offerIds: [offer.id] });
  expectError(err, status.NOT_FOUND, 'header.framework_id');
  unchanged();
});

test('wrong stream id → PERMISSION_DENIED naming header.stream_id', async () => {
  const err = await scheduler.call('decline', { header: { frameworkId: scheduler.frameworkId, streamId: 'stale' }, offerIds: [offer.id] });
  expectError(err, status.PERMISSION_DENIED, 'header.stream_id');
  unchanged();
});

test('missing header → INVALID_ARGUMENT', async () => {
  expectError(await scheduler.call('revive', {}), status.INVALID_ARGUMENT, 'header');
});

test('duplicate task ids in one accept → INVALID_ARGUMENT naming the second task', async () => {
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [
      { type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('a')] } },
      { type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('a')] } },
    ],
  });
  expectError(err, status.INVALID_ARGUMENT, 'operations[1].launch.task_infos[0].task_id');
  unchanged();
});

test('a task id the framework already runs → ALREADY_EXISTS', async () => {
  assert.is(
    await scheduler.call('accept', { header: scheduler.header, offerIds: [offer.id], operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('x')] } }], filters: { refuseSeconds: 0 } }),
    null,
  );
  const [next] = await scheduler.offers('the rest offered again');
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [next!.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('x')] } }],
  });
  expectError(err, status.ALREADY_EXISTS, 'operations[0].launch.task_infos[0].task_id');
  assert.is(tm.master.state().tasks.length, 1);
});

test('resources beyond the offer (summed over operations) → INVALID_ARGUMENT naming the task', async () => {
  // offer: cpus 4. t1 takes 3, t2 asks 2 → only 1 remains.
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [
      { type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('t1', 'cpus:3;mem:1')] } },
      { type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('t2', 'cpus:2;mem:1')] } },
    ],
  });
  expectError(err, status.INVALID_ARGUMENT, 'operations[1].launch.task_infos[0].resources');
  assert.ok(err!.details.includes('cpus'), err!.details);
  unchanged();
});

test('malformed task resources and task shape → INVALID_ARGUMENT naming the field', async () => {
  const bad = async (task: object, fragment: string): Promise<void> => {
    const err = await scheduler.call('accept', {
      header: scheduler.header,
      offerIds: [offer.id],
      operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [task] } }],
    });
    expectError(err, status.INVALID_ARGUMENT, fragment);
    unchanged();
  };
  await bad({ ...launch('n'), resources: [{ name: 'cpus', scalar: { value: -1 } }] }, 'task_infos[0].resources[0].scalar');
  await bad({ ...launch('n'), resources: [{ name: 'cpus', scalar: { value: Number.NaN } }] }, 'task_infos[0].resources[0].scalar');
  await bad({ ...launch('n'), resources: [] }, 'task_infos[0].resources');
  await bad({ ...launch('n'), taskId: '' }, 'task_infos[0].task_id');
  await bad({ ...launch('n'), taskId: 'a/b' }, 'task_infos[0].task_id');
  await bad({ ...launch('n'), command: undefined }, 'task_infos[0]: must set exactly one of command and executor');
  await bad({ ...launch('n'), killPolicy: { gracePeriodSeconds: -1 } }, 'task_infos[0].kill_policy.grace_period_seconds');
});

test('unsupported operations → INVALID_ARGUMENT "not supported yet"', async () => {
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.RESERVE, reserve: { resources: parseWire('cpus:1') } }],
  });
  expectError(err, status.INVALID_ARGUMENT, 'operations[0].type: RESERVE is not supported yet');
  unchanged();
});

test('an unknown offer → NOT_FOUND; a declined (gone) offer → FAILED_PRECONDITION', async () => {
  expectError(
    await scheduler.call('accept', { header: scheduler.header, offerIds: ['no-such-offer'], operations: [] }),
    status.NOT_FOUND,
    'offer_ids[0]',
  );
  unchanged();
  assert.is(await scheduler.call('decline', { header: scheduler.header, offerIds: [offer.id], filters: { refuseSeconds: 3600 } }), null);
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('late')] } }],
  });
  expectError(err, status.FAILED_PRECONDITION, offer.id);
  assert.is(tm.master.state().tasks.length, 0);
});

test("another framework's offer → NOT_FOUND, and it stays with its owner", async () => {
  const other = new TestScheduler(tm.master.grpcAddress);
  try {
    await other.subscribe({ name: 'other' });
    const err = await other.call('accept', {
      header: other.header,
      offerIds: [offer.id],
      operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [launch('steal')] } }],
    });
    expectError(err, status.NOT_FOUND, offer.id);
    unchanged();
  } finally {
    other.close();
  }
});

test('acknowledging an unknown uuid → NOT_FOUND; a short uuid → INVALID_ARGUMENT', async () => {
  expectError(
    await scheduler.call('acknowledge', { header: scheduler.header, agentId: agent.id, taskId: 't', uuid: Buffer.alloc(16, 7) }),
    status.NOT_FOUND,
    'uuid',
  );
  expectError(
    await scheduler.call('acknowledge', { header: scheduler.header, agentId: agent.id, taskId: 't', uuid: Buffer.alloc(3) }),
    status.INVALID_ARGUMENT,
    'uuid',
  );
});

test('an oversized message → RESOURCE_EXHAUSTED from the server, and the master carries on', async () => {
  // A client that would send 17 MiB, so the server's own bound is what answers.
  const big = new TestScheduler(tm.master.grpcAddress, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const err = await big.call('message', {
    header: scheduler.header,
    agentId: agent.id,
    executorId: 'e',
    data: Buffer.alloc(17 * 1024 * 1024),
  });
  big.close();
  assert.ok(err);
  assert.is(err!.code, status.RESOURCE_EXHAUSTED, err!.details);
  unchanged();
  assert.is(await scheduler.call('revive', { header: scheduler.header }), null);
});

test('bad subscriptions: empty name, several roles without MULTI_ROLE, unknown and removed ids', async () => {
  const s = new TestScheduler(tm.master.grpcAddress);
  try {
    const codeOf = async (info: object): Promise<{ code: number; details: string }> => {
      try {
        await s.subscribe(info);
      } catch (err) {
        return err as { code: number; details: string };
      }
      throw new Error('subscription should fail');
    };
    let err = await codeOf({ name: '' });
    expectError(err, status.INVALID_ARGUMENT, 'framework_info.name');
    err = await codeOf({ name: 'x', roles: ['a', 'b'] });
    expectError(err, status.INVALID_ARGUMENT, 'MULTI_ROLE');
    err = await codeOf({ name: 'x', roles: ['a', 'b'], capabilities: [FrameworkCapability.MULTI_ROLE, 999 as FrameworkCapability] });
    expectError(err, status.INVALID_ARGUMENT, 'framework_info.capabilities[1]');
    err = await codeOf({ name: 'x', roles: ['bad role'] });
    expectError(err, status.INVALID_ARGUMENT, 'framework_info.roles[0]');
    err = await codeOf({ name: 'x', failoverTimeout: -1 });
    expectError(err, status.INVALID_ARGUMENT, 'framework_info.failover_timeout');
    err = await codeOf({ name: 'x', id: 'never-seen' });
    expectError(err, status.NOT_FOUND, 'framework_info.id');

    assert.is(await scheduler.call('teardown', { header: scheduler.header }), null);
    err = await codeOf({ name: 'again', id: scheduler.frameworkId });
    expectError(err, status.FAILED_PRECONDITION, 'was removed');
  } finally {
    s.close();
  }
});

test('kill of an unknown task is answered by reconciliation (TASK_LOST without PARTITION_AWARE)', async () => {
  assert.is(await scheduler.call('kill', { header: scheduler.header, taskId: 'ghost' }), null);
  const lost = await scheduler.update(TaskState.LOST, 'ghost');
  assert.is(lost.uuid.length, 0);
});

test('reconciliation: explicit for an unknown task on a registered agent, and implicit', async () => {
  assert.is(await scheduler.call('reconcile', { header: scheduler.header, tasks: [{ taskId: 'nope', agentId: agent.id }] }), null);
  const answer = await scheduler.update(TaskState.LOST, 'nope');
  assert.is(answer.uuid.length, 0);
  expectError(await scheduler.call('reconcile', { header: scheduler.header, tasks: [{ taskId: '' }] }), status.INVALID_ARGUMENT, 'tasks[0].task_id');
});

test.run();
