// Partitions, master side: an agent unreachable past agentUnreachableTimeoutSeconds
// is gone (TASK_GONE for partition-aware frameworks, nothing new for the
// others, refused if it returns, reconciliation answers GONE/LOST, all of it
// across a master restart); marking agents unreachable goes through the
// agentRemovalRateLimit, after missed pings and after a restart's
// re-registration window; bad options are TypeErrors naming the option.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Operation_Type, TaskState, TaskStatus_Reason, type Offer } from '@tessera/common';

import { MemoryRegistry, startMaster } from '../src/index.js';
import { FakeAgent, PARTITION_AWARE, TestScheduler, eventually, parseWire, startTestMaster, type TestMaster } from './support.js';

const PINGS = { agentPingIntervalSeconds: 0.1, maxAgentPingTimeouts: 3 };

const closers: Array<() => void | Promise<void>> = [];
let dirs: string[] = [];

test.after.each(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function master(options: Parameters<typeof startTestMaster>[0], workDir?: string): Promise<TestMaster> {
  const tm = await startTestMaster(options, workDir);
  closers.push(() => tm.stop());
  return tm;
}

function scheduler(tm: TestMaster): TestScheduler {
  const s = new TestScheduler(tm.master.grpcAddress);
  closers.push(() => s.close());
  return s;
}

function agent(tm: TestMaster, hostname = 'agent.test'): FakeAgent {
  const a = new FakeAgent(tm.master.grpcAddress, { hostname });
  closers.push(() => a.close());
  return a;
}

async function launch(s: TestScheduler, offer: Offer, taskId: string): Promise<void> {
  const err = await s.call('accept', {
    header: s.header,
    offerIds: [offer.id],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId, name: taskId, resources: parseWire('cpus:1;mem:128'), command: { value: 'sleep 1000', shell: true } }] } }],
    filters: { refuseSeconds: 0 },
  });
  assert.is(err, null, err?.details);
}

/** A partition-aware and a plain framework, each with one RUNNING (acknowledged) task on one agent. */
async function twoFrameworksOneAgent(tm: TestMaster) {
  const a = agent(tm);
  await a.register();
  const aware = scheduler(tm);
  const plain = scheduler(tm);
  for (const [s, name, taskId] of [[aware, 'aware', 'aware-task'], [plain, 'plain', 'plain-task']] as const) {
    await s.subscribe({ name, capabilities: s === aware ? [PARTITION_AWARE] : [], failoverTimeout: 3600 });
    const [offer] = await s.offers(`an offer for ${taskId}`);
    // Suppressed first, so what the task leaves goes to the next framework.
    assert.is(await s.call('suppress', { header: s.header, roles: [] }), null);
    await launch(s, offer!, taskId);
    await a.inbox.next((m) => m.runTask?.task?.taskId === taskId, `RunTask ${taskId}`);
    a.update(s.frameworkId, taskId, TaskState.RUNNING);
    const running = await s.update(TaskState.RUNNING, taskId);
    assert.is(await s.call('acknowledge', { header: s.header, agentId: a.id, taskId, uuid: running.uuid }), null);
  }
  return { aware, plain, a };
}

async function reconcileOne(s: TestScheduler, taskId: string, agentId: string) {
  assert.is(await s.call('reconcile', { header: s.header, tasks: [{ taskId, agentId }] }), null);
  const e = await s.events.next((x) => x.update?.status?.taskId === taskId && x.update.status.reason === TaskStatus_Reason.RECONCILIATION, `reconciliation of ${taskId}`);
  return e.update!.status!;
}

test('unreachable past the timeout: gone — TASK_GONE for partition-aware, nothing new for others, refused on return, GONE/LOST on reconciliation, also after a restart', async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-partitions-'));
  dirs.push(workDir);
  const options = { ...PINGS, agentUnreachableTimeoutSeconds: 1 };
  const tm = await master(options, workDir);
  const { aware, plain, a } = await twoFrameworksOneAgent(tm);

  a.answerPings = false;
  const unreachable = await aware.update(TaskState.UNREACHABLE, 'aware-task', 3000);
  const lost = await plain.update(TaskState.LOST, 'plain-task', 3000);
  assert.is(await aware.call('acknowledge', { header: aware.header, agentId: a.id, taskId: 'aware-task', uuid: unreachable.uuid }), null);
  assert.is(await plain.call('acknowledge', { header: plain.header, agentId: a.id, taskId: 'plain-task', uuid: lost.uuid }), null);

  const gone = await aware.update(TaskState.GONE, 'aware-task', 5000);
  assert.is(gone.reason, TaskStatus_Reason.AGENT_REMOVED);
  assert.is(gone.agentId, a.id);
  assert.is(gone.uuid.length, 16, 'acknowledged like any master-made update');
  assert.ok(await plain.events.none((e) => e.update !== undefined, 300), 'the plain framework, told LOST already, hears nothing new');
  await eventually(() => !tm.master.state().agents.some((x) => x.id === a.id), 'the gone agent out of /state');
  assert.is(await aware.call('acknowledge', { header: aware.header, agentId: a.id, taskId: 'aware-task', uuid: gone.uuid }), null);

  // It comes back: refused (and told why), so it stops what it runs.
  a.answerPings = true;
  const back = await a.reregister([]);
  assert.ok(back.refused, 'refused');
  assert.match(back.refused!.message, /was removed/);

  // Reconciliation: the task is unknown now; its agent is gone.
  assert.is((await reconcileOne(aware, 'aware-task', a.id)).state, TaskState.GONE);
  assert.is((await reconcileOne(plain, 'plain-task', a.id)).state, TaskState.LOST);

  // A restarted master (same registry) still knows it is gone.
  aware.close();
  plain.close();
  await tm.stop();
  const tm2 = await master(options, workDir);
  const aware2 = scheduler(tm2);
  await aware2.subscribe({ id: aware.frameworkId, name: 'aware', capabilities: [PARTITION_AWARE], failoverTimeout: 3600 });
  const plain2 = scheduler(tm2);
  await plain2.subscribe({ id: plain.frameworkId, name: 'plain', failoverTimeout: 3600 });
  assert.is((await reconcileOne(aware2, 'aware-task', a.id)).state, TaskState.GONE);
  assert.is((await reconcileOne(plain2, 'plain-task', a.id)).state, TaskState.LOST);
  const b = agent(tm2);
  b.id = a.id;
  const again = await b.reregister([]);
  assert.ok(again.refused, 'refused after the restart too');
});

test('an agent back before the timeout is not gone: its task RUNNING again, no TASK_GONE', async () => {
  const tm = await master({ ...PINGS, agentUnreachableTimeoutSeconds: 2 });
  const { aware, a } = await twoFrameworksOneAgent(tm);
  a.answerPings = false;
  await aware.update(TaskState.UNREACHABLE, 'aware-task', 3000);
  a.answerPings = true;
  const back = await a.reregister([
    { taskId: 'aware-task', name: 'aware-task', frameworkId: aware.frameworkId, agentId: a.id, executorId: 'aware-task', state: TaskState.RUNNING, resources: parseWire('cpus:1;mem:128'), role: '*', status: undefined, labels: undefined },
  ]);
  assert.ok(back.registered, 'registered again');
  await aware.update(TaskState.RUNNING, 'aware-task', 3000);
  // Past the unreachable timeout counted from the partition, still there.
  assert.ok(await aware.events.none((e) => e.update?.status?.state === TaskState.GONE, 2500), 'no TASK_GONE for an agent that came back');
  assert.is(tm.master.state().agents.find((x) => x.id === a.id)?.state, 'active');
});

test('an agent unreachable in the registry is gone after the timeout also across a restart', async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-partitions-'));
  dirs.push(workDir);
  const tm = await master({ ...PINGS }, workDir);
  const a = agent(tm);
  await a.register();
  a.answerPings = false;
  await eventually(() => tm.master.state().agents[0]?.state === 'unreachable', 'unreachable', 3000);
  a.close();
  await tm.stop();

  // Restarted at once, well within the timeout: unreachable again, then gone when it runs out.
  const tm2 = await master({ ...PINGS, agentUnreachableTimeoutSeconds: 3 }, workDir);
  assert.is(tm2.master.state().agents[0]?.state, 'unreachable', 'unreachable again after the restart');
  await eventually(() => tm2.master.state().agents.length === 0, 'gone', 8000);
  const b = agent(tm2);
  b.id = a.id;
  const back = await b.reregister([]);
  assert.ok(back.refused, 'refused');
});

test('rate limit: an agent due to be unreachable waits for a permit, and one that answers meanwhile is not marked', async () => {
  const tm = await master({ ...PINGS, agentRemovalRateLimit: '1/1hrs' });
  const a1 = agent(tm, 'a1');
  const a2 = agent(tm, 'a2');
  await a1.register();
  await a2.register();
  const stateOf = (id: string) => tm.master.state().agents.find((x) => x.id === id)?.state;

  a1.answerPings = false;
  await eventually(() => stateOf(a1.id) === 'unreachable', 'the first agent unreachable (the first permit is free)', 3000);
  a2.answerPings = false;
  // Its pings keep going unanswered for many budgets, but the next permit is an hour away.
  const until = Date.now() + 1000;
  await eventually(() => Date.now() > until, 'ten ping budgets');
  assert.is(stateOf(a2.id), 'active');
  assert.ok(a2.wire.items.some((m) => m.ping !== undefined), 'still pinged while it waits');

  a2.answerPings = true;
  const pingsBefore = a2.wire.items.filter((m) => m.ping !== undefined).length;
  await eventually(() => a2.wire.items.filter((m) => m.ping !== undefined).length > pingsBefore + 2, 'answered pings');
  assert.is(stateOf(a2.id), 'active', 'its removal was cancelled');
});

test('rate limit after a restart: agents that do not re-register become unreachable one permit at a time, the rest may still return', async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-partitions-'));
  dirs.push(workDir);
  const tm = await master({ ...PINGS }, workDir);
  const a1 = agent(tm, 'a1');
  const a2 = agent(tm, 'a2');
  await a1.register();
  await a2.register();
  a1.close();
  a2.close();
  await tm.stop();

  const tm2 = await master({ ...PINGS, agentReregisterTimeoutSeconds: 0.2, agentRemovalRateLimit: '1/1hrs' }, workDir);
  await eventually(() => tm2.master.state().agents.length === 1, 'one agent marked unreachable', 3000);
  const first = tm2.master.state().agents[0]!;
  assert.is(first.state, 'unreachable');
  const until = Date.now() + 500;
  await eventually(() => Date.now() > until, 'a while');
  assert.is(tm2.master.state().agents.length, 1, 'the other waits for the next permit');

  // The other one comes back in that time: admitted as usual.
  const other = first.id === a1.id ? a2 : a1;
  const b = agent(tm2, other.options.hostname);
  b.id = other.id;
  const back = await b.reregister([]);
  assert.ok(back.registered, 're-registered');
  assert.is(tm2.master.state().agents.find((x) => x.id === other.id)?.state, 'active');
});

/** TEST DOUBLE: a MemoryRegistry whose agent writes fail while `failing` is set. */
class FlakyRegistry extends MemoryRegistry {
  failing = false;
  #check(): void {
    if (this.failing) throw new Error('disk full');
  }
  override async admitAgent(...args: Parameters<MemoryRegistry['admitAgent']>): Promise<void> {
    this.#check();
    return super.admitAgent(...args);
  }
  override async removeAgent(...args: Parameters<MemoryRegistry['removeAgent']>): Promise<void> {
    this.#check();
    return super.removeAgent(...args);
  }
}

test('registry failures: a removal not recorded is not announced (tried again), a re-registration not recorded is not refused (the agent retries)', async () => {
  const registry = new FlakyRegistry();
  const tm = await master({ ...PINGS, agentUnreachableTimeoutSeconds: 0.5, registry });
  const { aware, a } = await twoFrameworksOneAgent(tm);
  a.answerPings = false;
  await aware.update(TaskState.UNREACHABLE, 'aware-task', 3000);
  registry.failing = true;

  // Past the timeout the removal cannot be written: still unreachable, no TASK_GONE.
  assert.ok(await aware.events.none((e) => e.update?.status?.state === TaskState.GONE, 1500), 'no TASK_GONE while the registry fails');
  assert.is(tm.master.state().agents.find((x) => x.id === a.id)?.state, 'unreachable');
  // Coming back meanwhile: its admission cannot be written either; the stream ends without Refused.
  a.answerPings = true;
  const answer = await a.reregister([]).then(
    (m) => m,
    (err: Error) => err,
  );
  assert.instance(answer, Error, 'neither Registered nor Refused');
  assert.is(tm.master.state().agents.find((x) => x.id === a.id)?.state, 'unreachable');

  registry.failing = false;
  const gone = await aware.update(TaskState.GONE, 'aware-task', 3000);
  assert.is(gone.reason, TaskStatus_Reason.AGENT_REMOVED);
  assert.equal((await registry.load()).removedAgents, [a.id]);
});

test('bad agentRemovalRateLimit / agentUnreachableTimeoutSeconds: a TypeError naming the option, nothing started', async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-partitions-'));
  dirs.push(workDir);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ agentRemovalRateLimit: '100' }, /^agentRemovalRateLimit: not a rate/],
    [{ agentRemovalRateLimit: '0/1mins' }, /^agentRemovalRateLimit: permits must be a positive integer/],
    [{ agentRemovalRateLimit: '1/10parsecs' }, /^agentRemovalRateLimit: unknown unit 'parsecs'/],
    [{ agentRemovalRateLimit: '1/0secs' }, /^agentRemovalRateLimit: the duration must be more than 0/],
    [{ agentRemovalRateLimit: 5 }, /^agentRemovalRateLimit: must be a string/],
    [{ agentUnreachableTimeoutSeconds: 0 }, /^agentUnreachableTimeoutSeconds: must be a number of seconds/],
    [{ agentUnreachableTimeoutSeconds: -1 }, /^agentUnreachableTimeoutSeconds: /],
    [{ agentUnreachableTimeoutSeconds: 'soon' }, /^agentUnreachableTimeoutSeconds: /],
  ];
  for (const [bad, pattern] of cases) {
    try {
      await startMaster({ workDir, port: 0, httpPort: 0, ...(bad as object) });
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.instance(err, TypeError, JSON.stringify(bad));
      assert.match((err as Error).message, pattern);
    }
  }
});

test.run();
