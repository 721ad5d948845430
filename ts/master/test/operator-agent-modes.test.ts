// An operator's drain and deactivation are durable: recorded in the registry
// before they take effect, so a master restarted on the same registry (as a
// newly elected one reads it from ZooKeeper) keeps the deactivated agent out
// of offers and kills a draining agent's tasks when it re-registers; a
// registry that cannot write answers 503 and changes nothing.
// FailingRegistry is a TEST DOUBLE: a MemoryRegistry whose agent-mode writes
// fail while `failing` is set.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, type Task } from '@tessera/common';

import { MemoryRegistry } from '../src/index.js';
import { get, post } from './operator-support.js';
import { FakeAgent, TestScheduler, eventually, launchSleep, parseWire, startTestMaster } from './support.js';

class FailingRegistry extends MemoryRegistry {
  failing = false;
  override async setAgentMode(...args: Parameters<MemoryRegistry['setAgentMode']>): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.setAgentMode(...args);
  }
}

const running = (taskId: string, frameworkId: string, agentId: string): Task =>
  ({ taskId, name: taskId, frameworkId, agentId, executorId: taskId, state: TaskState.RUNNING, resources: parseWire('cpus:1;mem:128'), role: '*' }) as Task;

test('drain and deactivate survive a master restart: no offers of either agent, the draining one has its task killed on return', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-modes-'));
  try {
    const first = await startTestMaster({}, dir);
    const s = new TestScheduler(first.master.grpcAddress);
    const drained = new FakeAgent(first.master.grpcAddress);
    const quiet = new FakeAgent(first.master.grpcAddress);
    await s.subscribe({ name: 'modes', failoverTimeout: 60 });
    const drainedId = await drained.register();
    const quietId = await quiet.register();
    // A task on the agent to drain, so draining has something to kill on return.
    await eventually(() => first.master.state().offers.some((o) => o.agentId === drainedId), 'an offer of the agent to drain');
    const offer = (await s.offers()).find((o) => o.agentId === drainedId)!;
    assert.is(await launchSleep(s, offer.id, 'drain-me'), null);
    await drained.inbox.next((m) => m.runTask !== undefined, 'RunTask');
    assert.is((await post(first, '/api/v1/agents/deactivate', { agentId: quietId })).status, 200);
    assert.is((await post(first, '/api/v1/agents/drain', { agentId: drainedId })).status, 200);
    const frameworkId = s.frameworkId;
    s.close();
    drained.close();
    quiet.close();
    await first.stop();

    const second = await startTestMaster({}, dir);
    const s2 = new TestScheduler(second.master.grpcAddress);
    const d2 = new FakeAgent(second.master.grpcAddress);
    const q2 = new FakeAgent(second.master.grpcAddress);
    try {
      d2.id = drainedId;
      q2.id = quietId;
      await d2.reregister([running('drain-me', frameworkId, drainedId)]);
      await q2.reregister();
      const kill = await d2.inbox.next((m) => m.killTask?.taskId === 'drain-me', 'KillTask for the draining agent, after the restart');
      assert.ok(kill);
      const modes = new Map(((await get(second, '/api/v1/agents')).json.agents as Array<{ id: string; operatorState: string }>).map((a) => [a.id, a.operatorState]));
      assert.is(modes.get(quietId), 'deactivated');
      assert.is(modes.get(drainedId), 'draining');
      await s2.subscribe({ name: 'modes', id: frameworkId, failoverTimeout: 60 });
      assert.ok(await s2.events.none((e) => e.offers !== undefined, 500), 'no offer of a deactivated or draining agent');
      // Reactivated: offers again, and the registry forgets it.
      assert.is((await post(second, '/api/v1/agents/reactivate', { agentId: quietId })).status, 200);
      const [back] = await s2.offers('an offer after reactivation');
      assert.is(back!.agentId, quietId);
    } finally {
      s2.close();
      d2.close();
      q2.close();
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a registry that cannot record the mode: 503, and the agent keeps being offered', async () => {
  const registry = new FailingRegistry();
  const tm = await startTestMaster({ registry });
  const s = new TestScheduler(tm.master.grpcAddress);
  const a = new FakeAgent(tm.master.grpcAddress);
  try {
    await s.subscribe({ name: 'modes-fail' });
    const id = await a.register();
    await s.offers();
    registry.failing = true;
    for (const path of ['/api/v1/agents/deactivate', '/api/v1/agents/drain']) {
      const answer = await post(tm, path, { agentId: id });
      assert.is(answer.status, 503, path);
      assert.match(String(answer.json.error), /^registry: could not record/);
    }
    assert.is((await get(tm, '/api/v1/agents')).json.agents[0].operatorState, 'active', 'nothing changed');
    assert.ok(tm.master.state().offers.length > 0, 'still offered');
  } finally {
    s.close();
    a.close();
    await tm.stop();
  }
});

test.run();
