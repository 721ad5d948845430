// The other scheduler calls and agent messages, each against the real master:
// kill with a grace-period override, launch groups, executor consistency,
// messages both ways, executor failure, suppress, update framework, offer
// timeout, and an agent whose stream breaks for good.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ExecutorInfo_Type, FrameworkCapability, Operation_Type, TaskState, type Offer } from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
let scheduler: TestScheduler;
let agent: FakeAgent;

async function setUp(options: Parameters<typeof startTestMaster>[0] = {}, info = {}): Promise<Offer> {
  tm = await startTestMaster(options);
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agent = new FakeAgent(tm.master.grpcAddress);
  await scheduler.subscribe({ name: 'calls', ...info });
  await agent.register();
  const [offer] = await scheduler.offers();
  return offer!;
}

test.after.each(async () => {
  scheduler.close();
  agent.close();
  await tm.stop();
});

const command = { value: 'sleep 100', shell: true };

test('kill sends KillTask with the override grace period', async () => {
  const offer = await setUp();
  await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId: 'k', name: 'k', resources: parseWire('cpus:1'), command, killPolicy: { gracePeriodSeconds: 9 } }] } }],
  });
  await agent.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  assert.is(await scheduler.call('kill', { header: scheduler.header, taskId: 'k', killPolicy: { gracePeriodSeconds: 0.5 } }), null);
  const kill = await agent.inbox.next((m) => m.killTask !== undefined, 'KillTask');
  assert.is(kill.killTask!.taskId, 'k');
  assert.is(kill.killTask!.killPolicy?.gracePeriodSeconds, 0.5);
});

test('POST /api/v1/tasks/kill: an operator kill reaches the agent; bad requests are JSON errors naming the field', async () => {
  const offer = await setUp();
  await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId: 'op', name: 'op', resources: parseWire('cpus:1'), command }] } }],
  });
  await agent.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  const url = `http://${tm.master.httpAddress}/api/v1/tasks/kill`;
  const post = (body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await post({ taskId: 'op', gracePeriodSeconds: 2 });
  assert.is(ok.status, 200);
  assert.equal(await ok.json(), { taskId: 'op', frameworkId: scheduler.frameworkId, agentId: agent.id });
  const kill = await agent.inbox.next((m) => m.killTask !== undefined, 'KillTask');
  assert.is(kill.killTask!.killPolicy?.gracePeriodSeconds, 2);

  const missing = await post({ taskId: 'no-such-task' });
  assert.is(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /no-such-task/);
  const bad = await post({ taskId: 'op', gracePeriodSeconds: -1 });
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^gracePeriodSeconds:/);
  const notJson = await fetch(url, { method: 'POST', body: '{' });
  assert.is(notJson.status, 400);
  assert.is((await fetch(url)).status, 405);
});

test('launch group: one RunTaskGroup with the executor; its resources count; a different executor with the same id is refused', async () => {
  const offer = await setUp();
  const executor = { executorId: 'pod', type: ExecutorInfo_Type.DEFAULT, resources: parseWire('cpus:0.5;mem:32') };
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [
      {
        type: Operation_Type.LAUNCH_GROUP,
        launchGroup: {
          executor,
          taskGroup: { tasks: [{ taskId: 'g1', name: 'g1', resources: parseWire('cpus:1'), command }, { taskId: 'g2', name: 'g2', resources: parseWire('cpus:1'), command }] },
        },
      },
    ],
    filters: { refuseSeconds: 0 },
  });
  assert.is(err, null, err?.details);
  const run = await agent.inbox.next((m) => m.runTaskGroup !== undefined, 'RunTaskGroup');
  assert.is(run.runTaskGroup!.executor!.executorId, 'pod');
  assert.is(run.runTaskGroup!.executor!.frameworkId, scheduler.frameworkId);
  assert.equal(run.runTaskGroup!.taskGroup!.tasks.map((t) => t.taskId), ['g1', 'g2']);
  // used: 2 tasks × cpus 1 + the executor's cpus 0.5 = 2.5; mem 32 (executor only)
  assert.equal(tm.master.state().agents[0]!.used, [{ name: 'cpus', scalar: 2.5 }, { name: 'mem', scalar: 32 }]);
  const [next] = await scheduler.offers('the rest');
  assert.equal(next!.executorIds, ['pod']);
  const clash = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [next!.id],
    operations: [
      {
        type: Operation_Type.LAUNCH_GROUP,
        launchGroup: { executor: { ...executor, resources: parseWire('cpus:1') }, taskGroup: { tasks: [{ taskId: 'g3', name: 'g3', resources: parseWire('cpus:1'), command }] } },
      },
    ],
  });
  assert.is(clash?.code, 3);
  assert.ok(clash!.details.includes('operations[0].launch_group.executor'), clash!.details);

  // The agent's stream breaks and it re-registers with the pod's tasks: tasks and executor are charged again.
  const used = tm.master.state().agents[0]!.used;
  agent.hangUp();
  await eventually(() => tm.master.state().offers.length === 0, 'offers rescinded while the agent is away');
  const back = await agent.reregister(
    ['g1', 'g2'].map((taskId) => ({
      taskId,
      name: taskId,
      frameworkId: scheduler.frameworkId,
      agentId: agent.id,
      executorId: 'pod',
      state: TaskState.RUNNING,
      resources: parseWire('cpus:1'),
      role: '*',
      status: undefined,
      labels: undefined,
    })),
    // Like the real agent, it lists only custom executors: the pod's default executor is known from its tasks.
  );
  assert.ok(back.registered);
  assert.equal(tm.master.state().agents[0]!.used, used);
});

test('messages both ways, and an executor exit reaches the framework as FAILURE', async () => {
  await setUp();
  assert.is(await scheduler.call('message', { header: scheduler.header, agentId: agent.id, executorId: 'e1', data: Buffer.from('hi') }), null);
  const down = await agent.inbox.next((m) => m.frameworkMessage !== undefined, 'FrameworkMessage');
  assert.is(Buffer.from(down.frameworkMessage!.data).toString(), 'hi');
  agent.send({ frameworkMessage: { frameworkId: scheduler.frameworkId, executorId: 'e1', data: Buffer.from('ho') } });
  const up = await scheduler.events.next((e) => e.message !== undefined, 'MESSAGE');
  assert.is(Buffer.from(up.message!.data).toString(), 'ho');
  assert.is(up.message!.agentId, agent.id);
  agent.send({ executorExited: { frameworkId: scheduler.frameworkId, executorId: 'e1', status: 3 } });
  const failure = await scheduler.events.next((e) => e.failure !== undefined, 'FAILURE');
  assert.is(failure.failure!.status, 3);
});

test('suppress stops offers until revive', async () => {
  const offer = await setUp();
  assert.is(await scheduler.call('suppress', { header: scheduler.header }), null);
  assert.is(await scheduler.call('decline', { header: scheduler.header, offerIds: [offer.id], filters: { refuseSeconds: 0 } }), null);
  assert.ok(await scheduler.events.none((e) => e.offers !== undefined, 300), 'suppressed: no offers');
  const err = await scheduler.call('suppress', { header: scheduler.header, roles: ['other'] });
  assert.is(err?.code, 3);
  assert.ok(err!.details.includes('roles[0]'));
  assert.is(await scheduler.call('revive', { header: scheduler.header }), null);
  await scheduler.offers('offers after revive');
});

test('update framework: new roles take effect and are checked', async () => {
  const offer = await setUp({}, { capabilities: [FrameworkCapability.MULTI_ROLE] });
  const base = { id: scheduler.frameworkId, name: 'calls', user: 'test', capabilities: [FrameworkCapability.MULTI_ROLE] };
  const bad = await scheduler.call('updateFramework', { header: scheduler.header, frameworkInfo: { ...base, roles: ['ok', 'bad role'] } });
  assert.is(bad?.code, 3);
  assert.ok(bad!.details.includes('framework_info.roles[1]'), bad!.details);
  assert.is(await scheduler.call('updateFramework', { header: scheduler.header, frameworkInfo: { ...base, roles: ['web'] } }), null);
  // Its '*' offer was rescinded since it left that role; the agent is offered again under 'web'.
  const rescind = await scheduler.events.next((e) => e.rescind !== undefined, 'RESCIND');
  assert.is(rescind.rescind!.offerId, offer.id);
  const [again] = await scheduler.offers();
  assert.is(again!.role, 'web');
  assert.equal(tm.master.state().frameworks[0]!.roles, ['web']);
});

test('offers are rescinded after offerTimeoutSeconds', async () => {
  const offer = await setUp({ offerTimeoutSeconds: 0.3 });
  const rescind = await scheduler.events.next((e) => e.rescind !== undefined, 'RESCIND', 3000);
  assert.is(rescind.rescind!.offerId, offer.id);
  await scheduler.offers('offered again after the rescind');
});

test('an agent whose stream breaks and does not come back: its tasks are LOST, its offers rescinded', async () => {
  const offer = await setUp({ agentPingIntervalSeconds: 0.1, maxAgentPingTimeouts: 3 });
  await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId: 'orphan', name: 'orphan', resources: parseWire('cpus:1'), command }] } }],
    filters: { refuseSeconds: 0 },
  });
  await agent.inbox.next((m) => m.runTask !== undefined, 'RunTask');
  const [rest] = await scheduler.offers('the rest');
  agent.hangUp();
  const rescind = await scheduler.events.next((e) => e.rescind !== undefined, 'RESCIND');
  assert.is(rescind.rescind!.offerId, rest!.id);
  await scheduler.update(TaskState.LOST, 'orphan', 3000);
  await eventually(() => tm.master.state().agents[0]!.state === 'unreachable', 'unreachable');
});

test.run();
