// SchedulerClient against a fake SchedulerService (a test double: see
// fakes/fake-master.ts; the real master is tested end to end elsewhere).

import { status } from '@grpc/grpc-js';
import { TaskState, silentLogger, type TaskStatus } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { SchedulerCallError } from '../src/errors.js';
import { SchedulerClient, type SchedulerClientOptions } from '../src/scheduler/client.js';
import type { SchedulerEvent } from '../src/scheduler/events.js';
import { startFakeMaster, type FakeMaster } from './fakes/fake-master.js';
import { nextOf, nextOfType, waitFor } from './fakes/wait.js';

const open: Array<{ close(): unknown }> = [];

function client(master: string | string[], extra: Partial<SchedulerClientOptions> = {}): SchedulerClient {
  const c = new SchedulerClient({
    master,
    framework: { name: 'test-framework', roles: ['web'], failoverTimeoutSeconds: 60, capabilities: ['PARTITION_AWARE'] },
    reconnect: { initialMs: 20, maxMs: 100 },
    callTimeoutMs: 3_000,
    logger: silentLogger(),
    ...extra,
  });
  open.push(c);
  return c;
}

async function fake(options: Parameters<typeof startFakeMaster>[0] = {}): Promise<FakeMaster> {
  const f = await startFakeMaster(options);
  open.push(f);
  return f;
}

function status_(taskId: string, uuid: Buffer): TaskStatus {
  return {
    taskId,
    state: TaskState.RUNNING,
    message: '',
    source: 2,
    reason: 0,
    timestamp: 1,
    agentId: 'agent-1',
    executorId: taskId,
    uuid,
    containerId: 'c1',
    data: Buffer.alloc(0),
  };
}

test.after.each(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

test('subscribe: the first event is subscribed, with the framework id the master gave', async () => {
  const master = await fake({ heartbeatIntervalSeconds: 15 });
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  const first = await nextOf(events);
  assert.equal(first, {
    type: 'subscribed',
    frameworkId: 'fw-1',
    streamId: 'stream-1',
    heartbeatIntervalSeconds: 15,
    masterId: 'fake-master',
  });
  assert.is(c.frameworkId, 'fw-1');
  assert.is(c.streamId, 'stream-1');
  const info = master.subscriptions[0]?.frameworkInfo;
  assert.is(info?.name, 'test-framework');
  assert.is(info?.id, '');
  assert.equal(info?.roles, ['web']);
  assert.equal(info?.capabilities, [4]); // PARTITION_AWARE
  assert.is(info?.failoverTimeout, 60);
});

test('calls carry the framework id and the current stream id', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  await c.launch(['offer-1'], [{ taskId: 't1', name: 't1' }], {
    refuseSeconds: 1,
  });
  await c.decline(['offer-2', 'offer-3']);
  await c.kill('t1', 'agent-1', { gracePeriodSeconds: 2 });
  await c.reconcile();
  await c.revive(['web']);
  assert.equal(
    master.calls.map((call) => call.method),
    ['accept', 'decline', 'kill', 'reconcile', 'revive'],
  );
  for (const call of master.calls) assert.equal(call.request.header, { frameworkId: 'fw-1', streamId: 'stream-1' });
  const accept = master.calls[0]!.request as unknown as {
    offerIds: string[];
    operations: Array<{ type: number; launch?: { taskInfos: Array<{ taskId: string }> } }>;
    filters?: { refuseSeconds?: number };
  };
  assert.equal(accept.offerIds, ['offer-1']);
  assert.is(accept.operations[0]?.type, 1); // LAUNCH
  assert.is(accept.operations[0]?.launch?.taskInfos[0]?.taskId, 't1');
  assert.is(accept.filters?.refuseSeconds, 1);
  assert.equal((master.calls[2]!.request as { killPolicy?: unknown }).killPolicy, { gracePeriodSeconds: 2 });
});

test('launchGroup, shutdown, message and updateFramework send what they say; the new info is re-subscribed with', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  await c.launchGroup(['o1'], { executorId: 'pod-1', type: 1 }, [{ taskId: 'a' }, { taskId: 'b' }]);
  await c.shutdown('pod-1', 'agent-1');
  await c.message('agent-1', 'pod-1', Buffer.from([1, 2]));
  await c.updateFramework({ name: 'renamed', roles: ['web', 'batch'] });
  const [group, shutdown, message, update] = master.calls;
  const op = (group!.request as unknown as { operations: Array<{ type: number; launchGroup?: { executor?: { executorId: string }; taskGroup?: { tasks: Array<{ taskId: string }> } } }> }).operations[0]!;
  assert.is(op.type, 2); // LAUNCH_GROUP
  assert.is(op.launchGroup?.executor?.executorId, 'pod-1');
  assert.equal(op.launchGroup?.taskGroup?.tasks.map((t) => t.taskId), ['a', 'b']);
  assert.equal([shutdown!.request.executorId, shutdown!.request.agentId], ['pod-1', 'agent-1']);
  assert.equal([...(message!.request.data as Buffer)], [1, 2]);
  const info = (update!.request as unknown as { frameworkInfo: { id: string; name: string; roles: string[] } }).frameworkInfo;
  assert.equal([info.id, info.name, info.roles], ['fw-1', 'renamed', ['web', 'batch']]);
  master.endStream();
  await nextOfType(events, 'subscribed');
  assert.is(master.subscriptions[1]?.frameworkInfo?.name, 'renamed');
  assert.is(master.subscriptions[1]?.frameworkInfo?.id, 'fw-1');
});

test('autoAcknowledge: updates with a uuid are acknowledged once taken, those without are not', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  const uuid = Buffer.alloc(16, 7);
  master.send({ update: { status: status_('with-uuid', uuid) } });
  master.send({ update: { status: status_('reconciled', Buffer.alloc(0)) } });
  master.send({ heartbeat: {} });
  const first = await nextOfType(events, 'update');
  assert.is(first.status.taskId, 'with-uuid');
  // Not acknowledged while the consumer still holds it.
  assert.is(master.calls.length, 0);
  const second = await nextOfType(events, 'update');
  assert.is(second.status.taskId, 'reconciled');
  await nextOfType(events, 'heartbeat');
  await waitFor('the acknowledgement', () => master.calls.length >= 1);
  assert.is(master.calls.length, 1);
  const ack = master.calls[0]!;
  assert.is(ack.method, 'acknowledgeMany');
  assert.equal(ack.request.header, { frameworkId: 'fw-1', streamId: 'stream-1' });
  const entries = ack.request.acknowledgements as Array<{ taskId: string; agentId: string; uuid: Buffer }>;
  assert.equal(entries.map((e) => [e.taskId, e.agentId]), [['with-uuid', 'agent-1']]);
  assert.ok(uuid.equals(entries[0]!.uuid));
});

test('acknowledgements made in one turn go out as one AcknowledgeMany; each settles with its own entry', async () => {
  const master = await fake({ acknowledgementErrors: new Map([['t2', 'uuid: no update 0202 of task t2 waits for an acknowledgement']]) });
  const c = client(master.address, { autoAcknowledge: false });
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  const outcomes = await Promise.allSettled(
    ['t1', 't2', 't3'].map((id, i) => c.acknowledge(status_(id, Buffer.alloc(16, i + 1)))),
  );
  assert.equal(master.calls.map((call) => call.method), ['acknowledgeMany']);
  const entries = master.calls[0]!.request.acknowledgements as Array<{ taskId: string }>;
  assert.equal(entries.map((e) => e.taskId), ['t1', 't2', 't3']);
  assert.equal(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
  const err = (outcomes[1] as PromiseRejectedResult).reason as SchedulerCallError;
  assert.instance(err, SchedulerCallError);
  assert.is(err.code, 'NOT_FOUND');
  assert.match(err.message, 'acknowledge: uuid: no update 0202 of task t2');
});

test('autoAcknowledge coalesces a burst of updates into a few calls', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  for (let i = 0; i < 50; i++) master.send({ update: { status: status_(`t${i}`, Buffer.alloc(16, i + 1)) } });
  master.send({ heartbeat: {} });
  // A call's answer follows the events on the same connection: once it is back,
  // the burst waits in the client's queue, as a burst read in one go would.
  await c.revive();
  master.calls.length = 0;
  for (let i = 0; i < 50; i++) await nextOfType(events, 'update');
  await nextOfType(events, 'heartbeat');
  const acknowledged = (): number =>
    master.calls.reduce((n, call) => n + (call.request.acknowledgements as unknown[]).length, 0);
  await waitFor('50 acknowledgements', () => acknowledged() === 50);
  // One call in flight at a time: the rest gather behind it (6 calls in practice).
  assert.ok(master.calls.length <= 10, `${master.calls.length} calls for 50 acknowledgements`);
});

test('a master without AcknowledgeMany (UNIMPLEMENTED) gets single Acknowledge calls', async () => {
  const master = await fake({ noAcknowledgeMany: true });
  const c = client(master.address, { autoAcknowledge: false });
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  await Promise.all([c.acknowledge(status_('t1', Buffer.alloc(16, 1))), c.acknowledge(status_('t2', Buffer.alloc(16, 2)))]);
  await c.acknowledge(status_('t3', Buffer.alloc(16, 3)));
  assert.equal(master.calls.map((call) => [call.method, call.request.taskId]), [
    ['acknowledge', 't1'],
    ['acknowledge', 't2'],
    ['acknowledge', 't3'],
  ]);
});

test('channelOptions: each client has its own connection by default; they can share one; bad options are TypeErrors', async () => {
  const master = await fake();
  const peers = async (options: Partial<SchedulerClientOptions>): Promise<Set<string>> => {
    master.calls.length = 0;
    const clients = [client(master.address, options), client(master.address, options)];
    for (const c of clients) {
      c.subscribe();
      await c.revive();
    }
    return new Set(master.calls.map((call) => call.peer));
  };
  assert.is((await peers({})).size, 2);
  assert.is((await peers({ channelOptions: { 'grpc.use_local_subchannel_pool': 0 } })).size, 1);
  assert.throws(
    () => client(master.address, { channelOptions: { 'grpc.keepalive_time_ms': Number.NaN } }),
    (err: Error) => err instanceof TypeError && err.message.includes("channelOptions['grpc.keepalive_time_ms']"),
  );
  assert.throws(
    () => client(master.address, { channelOptions: 'fast' as never }),
    (err: Error) => err instanceof TypeError && err.message.includes('channelOptions: must be an object'),
  );
});

test('autoAcknowledge false: nothing is acknowledged unless the author calls acknowledge()', async () => {
  const master = await fake();
  const c = client(master.address, { autoAcknowledge: false });
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  master.send({ update: { status: status_('t1', Buffer.alloc(16, 1)) } });
  master.send({ heartbeat: {} });
  const update = await nextOfType(events, 'update');
  await nextOfType(events, 'heartbeat');
  assert.is(master.calls.length, 0);
  await c.acknowledge(update.status);
  assert.is(master.calls[0]?.method, 'acknowledgeMany');
  try {
    await c.acknowledge(status_('t2', Buffer.alloc(0)));
    assert.unreachable('an update without uuid cannot be acknowledged');
  } catch (err) {
    assert.instance(err, TypeError);
    assert.match((err as Error).message, 'acknowledge.status.uuid');
  }
});

test('a stream the master ends: disconnected, re-subscribed with the framework id, a call in the gap uses the new stream', async () => {
  const master = await fake();
  const c = client(master.address, { reconnect: { initialMs: 300, maxMs: 300 } });
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  master.endStream();
  const disconnected = await nextOf(events);
  assert.is(disconnected.type, 'disconnected');
  assert.is(c.streamId, undefined);
  // Made while re-subscribing (backoff 300 ms): waits for the new stream.
  const declined = c.decline(['offer-9']);
  const again = await nextOf(events);
  assert.equal(again.type, 'subscribed');
  await declined;
  assert.is(master.subscriptions.length, 2);
  assert.is(master.subscriptions[1]?.frameworkInfo?.id, 'fw-1');
  assert.equal(master.calls[0]?.request.header, { frameworkId: 'fw-1', streamId: 'stream-2' });
});

test('UNAVAILABLE with tessera-leader metadata: the client dials the named leader', async () => {
  const leader = await fake();
  const standby = await fake({
    refuseSubscribe: { code: status.UNAVAILABLE, details: 'not the leader', leader: '' },
  });
  standby.options.refuseSubscribe!.leader = leader.address;
  const c = client(standby.address);
  const events = c.events()[Symbol.asyncIterator]();
  const subscribed = await nextOfType(events, 'subscribed');
  assert.is(subscribed.streamId, 'stream-1');
  assert.is(standby.subscriptions.length, 1);
  assert.is(leader.subscriptions.length, 1);
  await c.revive();
  assert.is(leader.calls[0]?.method, 'revive');
});

test('several masters: an unreachable one is skipped for the next', async () => {
  const master = await fake();
  // Port 1 on loopback: nothing listens there, the dial fails at once.
  const c = client(['127.0.0.1:1', master.address]);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  assert.is(master.subscriptions.length, 1);
});

test('heartbeat watchdog: no event for 3 heartbeat intervals means disconnected, then re-subscribed', async () => {
  const master = await fake({ heartbeatIntervalSeconds: 0.1 });
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  const started = Date.now();
  const disconnected = await nextOf(events, 3_000);
  assert.is(disconnected.type, 'disconnected');
  assert.match((disconnected as { reason: string }).reason, 'heartbeat');
  assert.ok(Date.now() - started >= 250, 'not before 3 intervals');
  const again = await nextOfType(events, 'subscribed', 3_000);
  assert.is(again.frameworkId, 'fw-1');
  assert.is(master.subscriptions[1]?.frameworkInfo?.id, 'fw-1');
});

test('heartbeats keep the watchdog quiet', async () => {
  // Watchdog at 3 x 0.3 s = 900 ms; heartbeats every ~100 ms for ~1.5 s, so
  // without them it would have fired (and a loaded machine has 800 ms of slack).
  const master = await fake({ heartbeatIntervalSeconds: 0.3 });
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  const seen: SchedulerEvent[] = [];
  for (let i = 0; i < 15; i++) {
    master.send({ heartbeat: {} });
    seen.push(await nextOf(events));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(seen.every((e) => e.type === 'heartbeat'));
  assert.is(master.subscriptions.length, 1);
});

test('a master that never says SUBSCRIBED is left for the next one within callTimeoutMs', async () => {
  const mute = await fake({ mute: true });
  const master = await fake();
  const c = client([mute.address, master.address], { callTimeoutMs: 300 });
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed', 3_000);
  assert.is(mute.subscriptions.length, 1);
  assert.is(master.subscriptions.length, 1);
});

test('gRPC failures become SchedulerCallError with the status name and the master message', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  master.failNext('accept', status.INVALID_ARGUMENT, "accept.operations[0].launch.task_infos[0].task_id: duplicate task id 'x'");
  try {
    await c.launch(['o1'], [{ taskId: 'x' }]);
    assert.unreachable('the call should fail');
  } catch (err) {
    assert.instance(err, SchedulerCallError);
    const e = err as SchedulerCallError;
    assert.is(e.code, 'INVALID_ARGUMENT');
    assert.is(e.grpcCode, status.INVALID_ARGUMENT);
    assert.is(e.message, "accept: accept.operations[0].launch.task_infos[0].task_id: duplicate task id 'x'");
  }
  master.failNext('kill', status.NOT_FOUND, 'kill.task_id: unknown task');
  try {
    await c.kill('nope');
    assert.unreachable('the call should fail');
  } catch (err) {
    assert.is((err as SchedulerCallError).code, 'NOT_FOUND');
  }
});

test('bad arguments are TypeErrors naming the field, and nothing is sent', async () => {
  const master = await fake();
  const c = client(master.address);
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['decline.offerIds', () => c.decline([])],
    ['accept.offerIds[0]', () => c.accept([''], [])],
    ['launch.tasks[1].taskId', () => c.launch(['o'], [{ taskId: 'a' }, { taskId: 'a' }])],
    ['kill.taskId', () => c.kill('has/slash')],
    ['decline.filters.refuseSeconds', () => c.decline(['o'], { refuseSeconds: -1 })],
  ];
  for (const [field, call] of cases) {
    try {
      await call();
      assert.unreachable(`${field} should be refused`);
    } catch (err) {
      assert.instance(err, TypeError, field);
      assert.match((err as Error).message, field);
    }
  }
  assert.is(master.calls.length, 0);
  assert.throws(() => client('localhost'), /options\.master: must be "host:port"/);
  assert.throws(() => client(master.address, { framework: { name: '' } }), /options\.framework\.name/);
  assert.throws(
    () => client(master.address, { framework: { name: 'x', capabilities: ['FLYING'] } }),
    /options\.framework\.capabilities\[0\]: unknown capability "FLYING"/,
  );
});

test('an ERROR event is final: the events end and calls fail CANCELLED', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  master.send({ error: { message: 'framework removed' } });
  assert.equal(await nextOf(events), { type: 'error', message: 'framework removed' });
  assert.is((await events.next()).done, true);
  try {
    await c.revive();
    assert.unreachable('a closed client makes no calls');
  } catch (err) {
    assert.is((err as SchedulerCallError).code, 'CANCELLED');
  }
  assert.is(master.subscriptions.length, 1);
});

test('a subscription refused for good (not retryable) ends with an error event', async () => {
  const master = await fake({ refuseSubscribe: { code: status.INVALID_ARGUMENT, details: 'framework_info.name: too long' } });
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  const error = await nextOf(events);
  assert.equal(error, { type: 'error', message: 'subscribe: INVALID_ARGUMENT: framework_info.name: too long' });
  assert.is((await events.next()).done, true);
});

test('events, rescind, message and failure are flattened', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  master.send({ rescind: { offerId: 'o1' } });
  master.send({ message: { agentId: 'a1', executorId: 'e1', data: Buffer.from('hi') } });
  master.send({ failure: { agentId: 'a1', executorId: '', status: undefined } });
  assert.equal(await nextOf(events), { type: 'rescind', offerId: 'o1' });
  const message = await nextOf(events);
  assert.is(message.type, 'message');
  assert.is((message as { data: Buffer }).data.toString(), 'hi');
  assert.equal(await nextOf(events), { type: 'failure', agentId: 'a1' });
});

test('close() ends the events and a teardown closes the client', async () => {
  const master = await fake();
  const c = client(master.address);
  const events = c.events()[Symbol.asyncIterator]();
  await nextOfType(events, 'subscribed');
  await c.teardown();
  assert.is(master.calls[0]?.method, 'teardown');
  assert.is((await events.next()).done, true);
  c.close();
});

test.run();
