// The agent across restarts and master trouble: re-registration with the
// checkpointed id, unacknowledged updates resent from disk, reconnects after
// a lost or silent master, and Refused. Fake masters are test doubles.

import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, TaskStatus_Reason, silentLogger } from '@tessera/common';

import { startAgent } from '../src/index.js';
import { agentIdFile } from '../src/paths.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, isRunning, shellTask, tempDir, waitFor } from './helpers.js';

const isAlive = isRunning;

const quick = {
  port: 0,
  logger: silentLogger(),
  statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 },
  reconnectBackoff: { initialMs: 50, maxMs: 200 },
};

test('a restarted agent re-registers with its id and resends what was not acknowledged, from disk', async () => {
  const master = await new FakeMaster().start();
  const workDir = tempDir();
  // posix containers are not re-attached (native ones are: native-recovery.test.ts), so long-1 is lost.
  const first = await startAgent({ master: master.address, workDir, ...quick, containerizers: ['posix'] });
  const id = await first.registered;
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('done-1', 'true') } });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('long-1', 'exec sleep 30') } });
  // done-1: acknowledge STARTING and RUNNING only, so FINISHED stays unacknowledged.
  master.acknowledge(await master.waitForUpdate('done-1', 1));
  const running = await waitFor('done-1 RUNNING', () => master.updates('done-1').find((u) => u.status!.state === TaskState.RUNNING));
  master.acknowledge(running);
  const finished = await waitFor('done-1 FINISHED', () => master.updates('done-1').find((u) => u.status!.state === TaskState.FINISHED));
  // long-1: acknowledge up to RUNNING, then the agent goes away leaving it running.
  master.acknowledge(await master.waitForUpdate('long-1', 1));
  const longRunning = await waitFor('long-1 RUNNING', () => master.updates('long-1').find((u) => u.status!.state === TaskState.RUNNING));
  master.acknowledge(longRunning);
  await first.stop({ killTasks: false });
  const orphanPid = Number(/pid (\d+)/.exec(longRunning.status!.message)![1]);
  assert.ok(isAlive(orphanPid), 'stop({ killTasks: false }) leaves the task running');

  const before = master.received.length;
  const second = await startAgent({ master: master.address, workDir, ...quick, containerizers: ['posix'] });
  try {
    assert.is(await second.registered, id);
    const hello = await waitFor('reregister', () => master.received.slice(before).find((m) => m.reregister));
    assert.is(hello.reregister!.agentInfo!.id, id);
    // done-1 ended in the earlier run with FINISHED unacknowledged: listed as FINISHED, so a master does not call it gone and drop that update.
    const done = hello.reregister!.tasks.find((t) => t.taskId === 'done-1');
    assert.is(done?.state, TaskState.FINISHED);
    assert.is(done?.name, 'done-1', 'from its launch checkpoint');
    assert.ok(hello.reregister!.frameworks.some((f) => f.id === FRAMEWORK.id));
    const resent = await waitFor('FINISHED resent', () =>
      master.received.slice(before).find((m) => m.statusUpdate?.status?.taskId === 'done-1')?.statusUpdate,
    );
    assert.equal(resent.status!.uuid, finished.status!.uuid, 'the same update, same uuid');
    assert.is(resent.status!.state, TaskState.FINISHED);
    // The task left running cannot be re-attached: it is reported LOST.
    // RUNNING may come again first (its ack can race the stop): acknowledge whatever comes.
    const acked = new Set<string>();
    const lost = await waitFor('long-1 LOST', () => {
      const after = master.received.slice(before).flatMap((m) => (m.statusUpdate?.status?.taskId === 'long-1' ? [m.statusUpdate] : []));
      for (const u of after) {
        const uuid = Buffer.from(u.status!.uuid).toString('hex');
        if (!acked.has(uuid)) acked.add(uuid), master.acknowledge(u);
      }
      return after.find((u) => u.status!.state !== TaskState.RUNNING);
    });
    assert.is(lost.status!.state, TaskState.LOST);
    assert.is(lost.status!.reason, TaskStatus_Reason.AGENT_RESTARTED);
    // ... and its process, left running by the first agent, was destroyed.
    await waitFor('orphan gone', () => !isAlive(orphanPid), 5_000);
  } finally {
    try {
      process.kill(-orphanPid, 'SIGKILL');
    } catch {
      // already gone
    }
    await second.stop();
    await master.stop();
  }
});

test('stop() kills the tasks it runs', async () => {
  const master = await new FakeMaster().start();
  const agent = await startAgent({ master: master.address, workDir: tempDir(), ...quick, defaultKillGraceSeconds: 0 });
  try {
    await agent.registered;
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('sleepy', 'exec sleep 30') } });
    master.acknowledge(await master.waitForUpdate('sleepy', 1));
    const running = await waitFor('RUNNING', () => master.updates('sleepy').find((u) => u.status!.state === TaskState.RUNNING));
    const pid = Number(/pid (\d+)/.exec(running.status!.message)![1]);
    assert.ok(isAlive(pid));
    await agent.stop();
    assert.not.ok(isAlive(pid), 'the task is gone once stop() resolves');
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('the agent reconnects and re-registers when the master restarts', async () => {
  const first = await new FakeMaster().start();
  const port = Number(first.address.split(':')[1]);
  const agent = await startAgent({ master: first.address, workDir: tempDir(), ...quick });
  const id = await agent.registered;
  await first.stop();
  const second = await new FakeMaster().start(port);
  try {
    const hello = await waitFor('reregister at the new master', () => second.received.find((m) => m.reregister), 10_000);
    assert.is(hello.reregister!.agentInfo!.id, id);
  } finally {
    await agent.stop();
    await second.stop();
  }
});

test('a non-leading master redirects the agent to the leader', async () => {
  const leader = await new FakeMaster().start();
  const standby = await new FakeMaster({ redirectTo: leader.address }).start();
  const agent = await startAgent({ master: standby.address, workDir: tempDir(), ...quick });
  try {
    await agent.registered;
    assert.is(standby.connections, 1);
    assert.ok(leader.received[0]!.register, 'registered at the leader');
    assert.is(agent.state().master, leader.address);
  } finally {
    await agent.stop();
    await standby.stop();
    await leader.stop();
  }
});

test('the agent drops a silent master and reconnects', async () => {
  // Pings every 100 ms are promised but never sent: silence after 100 ms × (5 + 1).
  const master = await new FakeMaster({ pingIntervalSeconds: 0.1, ping: false }).start();
  const agent = await startAgent({ master: master.address, workDir: tempDir(), ...quick });
  try {
    await agent.registered;
    await waitFor('a second connection', () => master.connections >= 2, 10_000);
    assert.ok(master.received.filter((m) => m.reregister).length >= 1);
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('the agent answers pings', async () => {
  const master = await new FakeMaster({ pingIntervalSeconds: 0.2 }).start();
  const agent = await startAgent({ master: master.address, workDir: tempDir(), ...quick });
  try {
    await agent.registered;
    const pong = await waitFor('pong', () => master.received.find((m) => m.pong));
    assert.is(Number(pong.pong!.seq), 1);
    assert.is(master.connections, 1);
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('Refused: registered rejects, saying to remove the checkpointed agent id', async () => {
  const master = await new FakeMaster({ refuse: 'agent old-agent is gone' }).start();
  const workDir = tempDir();
  mkdirSync(path.dirname(agentIdFile(workDir)), { recursive: true });
  writeFileSync(agentIdFile(workDir), 'old-agent\n');
  const agent = await startAgent({ master: master.address, workDir, ...quick });
  try {
    await agent.registered.then(
      () => assert.unreachable('registered'),
      (err: Error) => {
        assert.match(err.message, /agent old-agent is gone/);
        assert.match(err.message, /meta\/agent-id/);
      },
    );
    assert.is(master.received[0]!.reregister!.agentInfo!.id, 'old-agent');
    const connections = master.connections;
    await new Promise((resolve) => setTimeout(resolve, 300)); // several reconnect backoffs: none may happen
    assert.is(master.connections, connections, 'no retry after Refused');
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test.run();
