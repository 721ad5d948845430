// The auth seam (CallGuard) and robustness against agents that misbehave:
// messages out of order, malformed updates, updates for unknown tasks.

import { status } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AgentMessage, TaskState, permissionDenied } from '@tessera/common';

import type { CallGuard } from '../src/index.js';
import { FakeAgent, TestScheduler, launchSleep, startTestMaster } from './support.js';

test('a CallGuard that throws rejects the call with its status; it sees method, framework and principal', async () => {
  const seen: Array<{ method: string; frameworkId?: string; principal?: string }> = [];
  const guard: CallGuard = ({ method, frameworkId, principal }) => {
    seen.push({ method, frameworkId, principal });
    if (method === 'Suppress') throw permissionDenied('principal ops may not suppress');
  };
  const tm = await startTestMaster({ callGuard: guard });
  const s = new TestScheduler(tm.master.grpcAddress);
  try {
    await s.subscribe({ name: 'guarded', principal: 'ops' });
    assert.is(await s.call('revive', { header: s.header }), null);
    const err = await s.call('suppress', { header: s.header });
    assert.is(err?.code, status.PERMISSION_DENIED);
    assert.is(err?.details, 'principal ops may not suppress');
    assert.equal(seen[0], { method: 'Subscribe', frameworkId: undefined, principal: 'ops' });
    assert.equal(seen[1], { method: 'Revive', frameworkId: s.frameworkId, principal: 'ops' });
  } finally {
    s.close();
    await tm.stop();
  }
});

test("the CallGuard also guards the operator's calls: a refusal becomes the matching HTTP status and nothing is done", async () => {
  const guard: CallGuard = ({ method }) => {
    if (method.startsWith('Operator')) throw permissionDenied(`no ${method} for you`);
  };
  const tm = await startTestMaster({ callGuard: guard });
  const s = new TestScheduler(tm.master.grpcAddress);
  const a = new FakeAgent(tm.master.grpcAddress);
  try {
    await s.subscribe({ name: 'guarded-ops' });
    const agentId = await a.register();
    const [offer] = await s.offers();
    assert.is(await launchSleep(s, offer!.id, 'kept'), null);
    await a.inbox.next((m) => m.runTask !== undefined, 'RunTask');
    const post = (path: string, body: unknown) =>
      fetch(`http://${tm.master.httpAddress}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const kill = await post('/api/v1/tasks/kill', { taskId: 'kept' });
    assert.is(kill.status, 403);
    assert.equal(await kill.json(), { error: 'no OperatorKillTask for you' });
    const drain = await post('/api/v1/agents/drain', { agentId });
    assert.is(drain.status, 403);
    assert.not.ok(a.inbox.items.some((m) => m.killTask), 'no task was killed');
  } finally {
    s.close();
    a.close();
    await tm.stop();
  }
});

test('agents that misbehave are refused or ignored, and the master carries on', async () => {
  const tm = await startTestMaster();
  const rude = new FakeAgent(tm.master.grpcAddress);
  const good = new FakeAgent(tm.master.grpcAddress);
  const s = new TestScheduler(tm.master.grpcAddress);
  try {
    // A status update before registering: refused, stream ended.
    const stream = rude.client.connect();
    const refused = new Promise<string>((resolve) => {
      stream.on('data', (m: { refused?: { message: string } }) => m.refused && resolve(m.refused.message));
      stream.on('error', () => undefined);
    });
    stream.write(AgentMessage.create({ pong: { seq: 1 } }));
    assert.match(await refused, /first message must be register or reregister/);

    await s.subscribe({ name: 'survivor' });
    await good.register();
    // Malformed and unknown updates are dropped.
    good.send({ statusUpdate: { frameworkId: s.frameworkId, status: { taskId: 'x', state: TaskState.RUNNING, uuid: Buffer.alloc(2) } as never, latestState: TaskState.RUNNING } });
    good.update(s.frameworkId, 'unknown-task', TaskState.RUNNING);
    good.update('unknown-framework', 'x', TaskState.FINISHED);
    good.send({ executorExited: { frameworkId: 'nope', executorId: 'nope' } });
    good.send({ register: good.agentInfo() });
    await s.offers('offers still flow');
    assert.ok(await s.events.none((e) => e.update !== undefined, 200), 'no update was forwarded');
    const health = await fetch(`http://${tm.master.httpAddress}/health`);
    assert.is(health.status, 200);
  } finally {
    rude.close();
    good.close();
    s.close();
    await tm.stop();
  }
});

test.run();
