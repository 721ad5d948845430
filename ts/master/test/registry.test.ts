// The registry: the file survives a master restart (admitted agents
// re-register with their tasks, frameworks re-subscribe with their ids), is
// written atomically, and bad options are TypeErrors naming the option.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AgentInfo, FrameworkInfo, TaskState } from '@tessera/common';

import { FileRegistry, startMaster } from '../src/index.js';
import { FakeAgent, TestScheduler, eventually, launchSleep, parseWire, rejects, startTestMaster } from './support.js';

test('FileRegistry: changes are durable, serialized, and read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-registry-'));
  try {
    const r = new FileRegistry(dir);
    assert.equal(await r.load(), { agents: [], frameworks: [], failoverDeadlines: {}, weights: {}, quotas: {}, agentModes: {}, removedFrameworks: [], removedAgents: [] });
    await Promise.all([
      r.admitAgent(AgentInfo.fromPartial({ id: 'a1', hostname: 'h1', address: 'h1:5051' })),
      r.addFramework(FrameworkInfo.fromPartial({ id: 'f1', name: 'one' })),
      r.addFramework(FrameworkInfo.fromPartial({ id: 'f2', name: 'two' })),
      r.markAgentUnreachable('a1', new Date('2026-01-01T00:00:00Z')),
      r.removeFramework('f2'),
    ]);
    const again = await new FileRegistry(dir).load();
    assert.equal(again.agents.map((a) => [a.info.id, a.unreachableAt]), [['a1', '2026-01-01T00:00:00.000Z']]);
    assert.equal(again.frameworks.map((f) => f.id), ['f1']);
    assert.equal(again.removedFrameworks, ['f2']);
    // No temporary file is left behind.
    assert.equal((await readdir(dir)).sort(), ['registry.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('FileRegistry: a corrupt file is an error naming it, not an empty registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-registry-'));
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'registry.json'), '{not json');
    await rejects(() => new FileRegistry(dir).load(), /registry\.json: not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('startMaster: bad options are TypeErrors naming the option', async () => {
  const bad = async (options: object, name: string): Promise<void> => {
    try {
      await startMaster({ workDir: '/tmp/unused', port: 0, httpPort: 0, ...options } as never);
    } catch (err) {
      assert.instance(err, TypeError);
      assert.ok((err as Error).message.startsWith(`${name}:`), (err as Error).message);
      return;
    }
    assert.unreachable(`${name} should be refused`);
  };
  await bad({ port: -1 }, 'port');
  await bad({ httpPort: 70000 }, 'httpPort');
  await bad({ workDir: '' }, 'workDir');
  await bad({ agentPingIntervalSeconds: 0 }, 'agentPingIntervalSeconds');
  await bad({ maxAgentPingTimeouts: 1.5 }, 'maxAgentPingTimeouts');
  await bad({ frameworkHeartbeatSeconds: Number.NaN }, 'frameworkHeartbeatSeconds');
  await bad({ offerTimeoutSeconds: -3 }, 'offerTimeoutSeconds');
  await bad({ placement: 'random' }, 'placement');
  await bad({ host: '' }, 'host');
  await bad({ agentReregisterTimeoutSeconds: -1 }, 'agentReregisterTimeoutSeconds');
});

test('the registry survives a restart: the framework re-subscribes, the agent re-registers with its task', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-master-restart-'));
  try {
    const first = await startTestMaster({}, dir);
    const s = new TestScheduler(first.master.grpcAddress);
    const a = new FakeAgent(first.master.grpcAddress);
    await s.subscribe({ name: 'survivor', failoverTimeout: 60 });
    const agentId = await a.register();
    const [offer] = await s.offers();
    assert.is(await launchSleep(s, offer!.id, 'keep', 'cpus:2;mem:256'), null);
    await a.inbox.next((m) => m.runTask !== undefined, 'RunTask');
    const frameworkId = s.frameworkId;
    s.close();
    a.close();
    await first.stop();

    const onDisk = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8')) as { agents: Array<{ info: { id: string } }>; frameworks: Array<{ id: string }> };
    assert.equal(onDisk.agents.map((x) => x.info.id), [agentId]);
    assert.equal(onDisk.frameworks.map((x) => x.id), [frameworkId]);

    const second = await startTestMaster({}, dir);
    const a2 = new FakeAgent(second.master.grpcAddress);
    const s2 = new TestScheduler(second.master.grpcAddress);
    try {
      a2.id = agentId;
      const back = await a2.reregister([
        {
          taskId: 'keep',
          name: 'keep',
          frameworkId,
          agentId,
          executorId: 'keep',
          state: TaskState.RUNNING,
          resources: parseWire('cpus:2;mem:256'),
          role: '*',
          status: undefined,
          labels: undefined,
        },
      ]);
      assert.is(back.registered?.agentId, agentId);
      const subscribed = await s2.subscribe({ name: 'survivor', id: frameworkId, failoverTimeout: 60 });
      assert.is(subscribed!.frameworkId, frameworkId);
      const state = second.master.state();
      assert.is(state.tasks.length, 1);
      assert.is(state.tasks[0]!.state, 'RUNNING');
      // The adopted task's resources are charged: only the rest is offered.
      const [rest] = await s2.offers();
      assert.equal(
        rest!.resources.filter((r) => r.scalar).map((r) => [r.name, r.scalar!.value]),
        [['cpus', 2], ['mem', 3840]],
      );
      assert.is(await s2.call('reconcile', { header: s2.header, tasks: [] }), null);
      const answer = await s2.update(TaskState.RUNNING, 'keep');
      assert.is(answer.uuid.length, 0);
      await eventually(() => second.master.state().frameworks[0]?.connected === true, 'connected');
    } finally {
      s2.close();
      a2.close();
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('after a restart, an agent that does not re-register in time is unreachable; reconciliation waits for it until then', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-master-restart-'));
  try {
    const first = await startTestMaster({}, dir);
    const a = new FakeAgent(first.master.grpcAddress);
    const agentId = await a.register();
    const s = new TestScheduler(first.master.grpcAddress);
    await s.subscribe({ name: 'waiter', failoverTimeout: 60 });
    const frameworkId = s.frameworkId;
    s.close();
    a.close();
    await first.stop();

    const second = await startTestMaster({ agentReregisterTimeoutSeconds: 0.5 }, dir);
    const s2 = new TestScheduler(second.master.grpcAddress);
    try {
      await s2.subscribe({ name: 'waiter', id: frameworkId, failoverTimeout: 60 });
      assert.is(await s2.call('reconcile', { header: s2.header, tasks: [{ taskId: 'where', agentId }] }), null);
      assert.ok(await s2.events.none((e) => e.update !== undefined, 200), 'no answer while the agent may still come back');
      await eventually(() => second.master.state().agents[0]?.state === 'unreachable', 'agent unreachable after the timeout', 3000);
      assert.is(await s2.call('reconcile', { header: s2.header, tasks: [{ taskId: 'where', agentId }] }), null);
      const answer = await s2.update(TaskState.LOST, 'where');
      assert.is(answer.agentId, agentId);
      // The registry write follows the in-memory change: poll the file.
      const deadline = Date.now() + 3000;
      for (;;) {
        const onDisk = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8')) as { agents: Array<{ unreachableAt?: string }> };
        if (onDisk.agents[0]?.unreachableAt) break;
        if (Date.now() > deadline) assert.unreachable('the registry never recorded the agent unreachable');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      s2.close();
      await second.stop();
    }
    // A third master loads it as unreachable straight away.
    const third = await startTestMaster({}, dir);
    try {
      assert.is(third.master.state().agents[0]?.state, 'unreachable');
    } finally {
      await third.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('agents: bad registrations are refused with the field named; a master-chosen id is kept', async () => {
  const tm = await startTestMaster();
  try {
    const a = new FakeAgent(tm.master.grpcAddress, { resources: 'cpus:-1;mem:10' });
    await rejects(() => a.register(), /refused: .*resources\[0\]/);
    a.close();
    const b = new FakeAgent(tm.master.grpcAddress, { hostname: '' });
    await rejects(() => b.register(), /refused: agent_info\.hostname/);
    b.close();
    const ok = new FakeAgent(tm.master.grpcAddress);
    const id = await ok.register();
    assert.is(tm.master.state().agents.length, 1);
    assert.is(tm.master.state().agents[0]!.id, id);
    ok.close();
  } finally {
    await tm.stop();
  }
});

test.run();
