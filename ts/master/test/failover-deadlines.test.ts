// Failover deadlines survive the master (unlike Mesos, MESOS-4659): a
// framework disconnected when its master went keeps the deadline it had; one
// still away at the deadline is removed by the next master and its tasks
// killed on the agent that reports them. One that re-subscribes in time keeps
// its tasks, and its deadline leaves the registry.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, type Task } from '@tessera/common';

import { FakeAgent, TestScheduler, eventually, launchSleep, parseWire, startTestMaster } from './support.js';

function runningTask(taskId: string, frameworkId: string, agentId: string): Task {
  return {
    taskId,
    name: taskId,
    frameworkId,
    agentId,
    executorId: taskId,
    state: TaskState.RUNNING,
    resources: parseWire('cpus:1;mem:128'),
    role: '*',
    status: undefined,
    labels: undefined,
  } as Task;
}

async function registryJson(dir: string): Promise<{ failoverDeadlines: Record<string, string> }> {
  return JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8')) as { failoverDeadlines: Record<string, string> };
}

test('a framework away when the master restarts keeps its deadline; past it the new master removes it and kills its task', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-deadline-'));
  try {
    const first = await startTestMaster({ frameworkHeartbeatSeconds: 0.2 }, dir);
    const s = new TestScheduler(first.master.grpcAddress);
    const a = new FakeAgent(first.master.grpcAddress);
    await s.subscribe({ name: 'leaves', failoverTimeout: 2 });
    const agentId = await a.register();
    const [offer] = await s.offers();
    assert.is(await launchSleep(s, offer!.id, 'orphan'), null);
    await a.inbox.next((m) => m.runTask !== undefined, 'RunTask');
    const frameworkId = s.frameworkId;
    s.close(); // the scheduler goes: its 2 s failover timeout starts, and goes to the registry
    await eventually(() => first.master.state().frameworks[0]?.connected === false, 'the master sees the framework disconnected');
    let deadline: string | undefined;
    await eventually(() => {
      void registryJson(dir).then((r) => (deadline = r.failoverDeadlines[frameworkId]));
      return deadline !== undefined;
    }, 'the deadline in registry.json');
    assert.ok(Date.parse(deadline!) > Date.now(), 'the deadline is ahead');
    a.close();
    await first.stop();

    // A new master: the agent comes back with the task; the framework never does.
    const second = await startTestMaster({}, dir);
    const a2 = new FakeAgent(second.master.grpcAddress);
    try {
      a2.id = agentId;
      await a2.reregister([runningTask('orphan', frameworkId, agentId)]);
      // Within the old deadline (2 s after the scheduler left), not the full timeout again after the restart.
      const shutdown = await a2.inbox.next((m) => m.shutdownFramework?.frameworkId === frameworkId, 'ShutdownFramework for the expired framework', 5000);
      assert.ok(shutdown);
      await eventually(() => second.master.state().tasks.length === 0, 'the task is gone from the live tables');
      const s2 = new TestScheduler(second.master.grpcAddress);
      try {
        const err = await s2.subscribe({ name: 'leaves', id: frameworkId, failoverTimeout: 2 }).then(
          () => undefined,
          (e: Error) => e,
        );
        assert.ok(err, 'a removed framework cannot come back');
      } finally {
        s2.close();
      }
    } finally {
      a2.close();
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a framework that re-subscribes within its deadline keeps its task, and the deadline leaves the registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-deadline-'));
  try {
    const first = await startTestMaster({ frameworkHeartbeatSeconds: 0.2 }, dir);
    const s = new TestScheduler(first.master.grpcAddress);
    await s.subscribe({ name: 'returns', failoverTimeout: 30 });
    const frameworkId = s.frameworkId;
    s.close();
    await eventually(() => first.master.state().frameworks[0]?.connected === false, 'disconnected');
    await first.master.stop(); // flushes the registry
    assert.ok((await registryJson(dir)).failoverDeadlines[frameworkId], 'deadline recorded');

    const second = await startTestMaster({}, dir);
    const s2 = new TestScheduler(second.master.grpcAddress);
    try {
      const subscribed = await s2.subscribe({ name: 'returns', id: frameworkId, failoverTimeout: 30 });
      assert.is(subscribed!.frameworkId, frameworkId);
      let deadlines: Record<string, string> = { pending: '' };
      await eventually(() => {
        void registryJson(dir).then((r) => (deadlines = r.failoverDeadlines));
        return Object.keys(deadlines).length === 0;
      }, 'the deadline cleared in registry.json');
    } finally {
      s2.close();
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
