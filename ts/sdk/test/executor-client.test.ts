// ExecutorClient against a fake ExecutorService (a test double: see
// fakes/fake-agent.ts; the real agent hosts the service in ts/agent).

import { TaskInfo, TaskState, TaskStatus_Source, silentLogger } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ExecutorClient } from '../src/executor/client.js';
import { startFakeAgent, type FakeAgent } from './fakes/fake-agent.js';
import { nextOf, nextOfType, waitFor } from './fakes/wait.js';

const open: Array<{ close(): unknown }> = [];

async function setup(): Promise<{ agent: FakeAgent; executor: ExecutorClient }> {
  const agent = await startFakeAgent();
  open.push(agent);
  const executor = new ExecutorClient({
    env: { TESSERA_EXECUTOR_ADDRESS: agent.address, TESSERA_FRAMEWORK_ID: 'fw-1', TESSERA_EXECUTOR_ID: 'exec-1' },
    reconnect: { initialMs: 20, maxMs: 100 },
    logger: silentLogger(),
  });
  open.push(executor);
  return { agent, executor };
}

test.after.each(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

test('subscribes with the ids from the environment and fills in updates', async () => {
  const { agent, executor } = await setup();
  const events = executor.events()[Symbol.asyncIterator]();
  const subscribed = await nextOf(events);
  assert.equal(subscribed, { type: 'subscribed', executorInfo: undefined, frameworkInfo: undefined, agentId: 'agent-1', containerId: 'container-1' });
  assert.is(agent.subscriptions[0]?.frameworkId, 'fw-1');
  assert.is(agent.subscriptions[0]?.executorId, 'exec-1');
  agent.send({ launch: { task: TaskInfo.fromPartial({ taskId: 't1', name: 't1' }) } });
  const launch = await nextOfType(events, 'launch');
  assert.is(launch.task.taskId, 't1');
  const before = Date.now() / 1000;
  const sent = await executor.update({ taskId: 't1', state: TaskState.RUNNING, message: 'up' });
  assert.is(agent.updates.length, 1);
  const got = agent.updates[0]!;
  assert.is(got.frameworkId, 'fw-1');
  assert.is(got.executorId, 'exec-1');
  assert.is(got.status?.taskId, 't1');
  assert.is(got.status?.state, TaskState.RUNNING);
  assert.is(got.status?.source, TaskStatus_Source.EXECUTOR);
  assert.is(got.status?.executorId, 'exec-1');
  assert.is(got.status?.agentId, 'agent-1');
  assert.is(got.status?.containerId, 'container-1');
  assert.is(got.status?.message, 'up');
  assert.is(got.status?.uuid.length, 16);
  assert.ok(sent.uuid.equals(got.status!.uuid));
  assert.ok(got.status!.timestamp >= before - 1 && got.status!.timestamp <= Date.now() / 1000 + 1);
  await executor.message('hello');
  assert.is(agent.messages[0]?.data.toString(), 'hello');
});

test('re-subscribes with unacknowledged updates and tasks, and drops them once acknowledged', async () => {
  const { agent, executor } = await setup();
  const events = executor.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  agent.send({ launch: { task: TaskInfo.fromPartial({ taskId: 't1' }) } });
  agent.send({ launch: { task: TaskInfo.fromPartial({ taskId: 't2' }) } });
  await nextOfType(events, 'launch');
  await nextOfType(events, 'launch');
  const running = await executor.update({ taskId: 't1', state: TaskState.RUNNING });
  const finished = await executor.update({ taskId: 't1', state: TaskState.FINISHED });

  agent.endStream();
  assert.is((await nextOf(events)).type, 'disconnected');
  await nextOfType(events, 'subscribed');
  const again = agent.subscriptions[1]!;
  assert.equal(
    again.unacknowledgedUpdates.map((u) => [u.taskId, TaskState[u.state], u.uuid.toString('hex')]),
    [
      ['t1', 'RUNNING', running.uuid.toString('hex')],
      ['t1', 'FINISHED', finished.uuid.toString('hex')],
    ],
  );
  // t2 was given and never reported on.
  assert.equal(again.unacknowledgedTasks.map((t) => t.taskId), ['t2']);

  agent.send({ acknowledged: { taskId: 't1', uuid: running.uuid } });
  await nextOfType(events, 'acknowledged');
  assert.equal(executor.unacknowledgedUpdates.map((u) => TaskState[u.state]), ['FINISHED']);
  agent.send({ acknowledged: { taskId: 't1', uuid: finished.uuid } });
  await nextOfType(events, 'acknowledged');
  agent.endStream();
  await nextOfType(events, 'subscribed');
  await waitFor('the third subscription', () => agent.subscriptions.length === 3);
  assert.equal(agent.subscriptions[2]!.unacknowledgedUpdates, []);
  assert.equal(agent.subscriptions[2]!.unacknowledgedTasks.map((t) => t.taskId), ['t2']);
});

test('kill, shutdown and error events; error is final', async () => {
  const { agent, executor } = await setup();
  const events = executor.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  agent.send({ kill: { taskId: 't1', killPolicy: { gracePeriodSeconds: 2 } } });
  agent.send({ shutdown: { gracePeriodSeconds: 5 } });
  agent.send({ error: { message: 'executor unknown' } });
  assert.equal(await nextOf(events), { type: 'kill', taskId: 't1', killPolicy: { gracePeriodSeconds: 2 } });
  assert.equal(await nextOf(events), { type: 'shutdown', gracePeriodSeconds: 5 });
  assert.equal(await nextOf(events), { type: 'error', message: 'executor unknown' });
  assert.is((await events.next()).done, true);
});

test('missing or bad settings are TypeErrors naming them', () => {
  assert.throws(() => new ExecutorClient({ env: {} }), /TESSERA_EXECUTOR_ADDRESS is not set/);
  assert.throws(
    () => new ExecutorClient({ env: { TESSERA_EXECUTOR_ADDRESS: '127.0.0.1:1', TESSERA_EXECUTOR_ID: 'e' } }),
    /options\.frameworkId \(or TESSERA_FRAMEWORK_ID\): must be a string/,
  );
  const client = new ExecutorClient({ address: '127.0.0.1:1', frameworkId: 'f', executorId: 'e', logger: silentLogger() });
  open.push(client);
  return client.update({ taskId: 't', state: 0 as TaskState }).then(
    () => assert.unreachable('UNSPECIFIED is refused'),
    (err: Error) => assert.match(err.message, 'update.status.state'),
  );
});

test.run();
