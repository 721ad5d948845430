// The Docker containerizer through the agent: tasks whose ContainerInfo is
// DOCKER, on an agent started with containerizers ['native', 'docker'], on the
// real Docker engine with the offline busybox image. The master is the
// scripted FakeMaster (a test double serving AgentService).

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ContainerInfo, ContainerInfo_Type, TaskState, TaskStatus_Reason, silentLogger, type AgentMessage_StatusUpdate } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { LABEL } from '../src/containerizer/docker/labels.js';
import { containersOf, docker, dockerContainer, removeContainersOf, requireDocker, scalar, TEST_IMAGE } from './docker-helpers.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, shellTask, tempDir, waitFor } from './helpers.js';

const quick = {
  port: 0,
  logger: silentLogger(),
  statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 },
  reconnectBackoff: { initialMs: 50, maxMs: 200 },
  containerizers: ['native', 'docker'] as Array<'native' | 'docker'>,
};

const workDirs: string[] = [];
function workDir(): string {
  const dir = tempDir('tessera-docker-agent-');
  workDirs.push(dir);
  return dir;
}

test.before(requireDocker);
test.after(() => removeContainersOf(...workDirs));

/** Each received update acknowledged once; a resend (same uuid) is a new message and is acknowledged again. */
const acked = new WeakSet<AgentMessage_StatusUpdate>();

/**
 * Acknowledges every update of the task as it comes (only the oldest
 * unacknowledged one is in flight) until one matches; returns it.
 */
function ackUntil(master: FakeMaster, taskId: string, what: string, match: (state: TaskState) => boolean, timeoutMs = 20_000): Promise<AgentMessage_StatusUpdate> {
  return waitFor(
    `${taskId} ${what}`,
    () => {
      const updates = master.updates(taskId);
      for (const u of updates) {
        if (!acked.has(u)) acked.add(u), master.acknowledge(u);
      }
      return updates.find((u) => match(u.status!.state));
    },
    timeoutMs,
  );
}

const ackUntilTerminal = (master: FakeMaster, taskId: string): Promise<AgentMessage_StatusUpdate> =>
  ackUntil(master, taskId, 'terminal', (state) => ![TaskState.STAGING, TaskState.STARTING, TaskState.RUNNING].includes(state));
const ackUntilRunning = (master: FakeMaster, taskId: string): Promise<AgentMessage_StatusUpdate> =>
  ackUntil(master, taskId, 'RUNNING', (state) => state === TaskState.RUNNING);

function sandboxOf(agent: AgentHandle, taskId: string): string {
  for (const framework of agent.state().frameworks) {
    for (const executor of [...framework.executors, ...(framework.completedExecutors ?? [])]) {
      if (executor.id === taskId) return executor.sandbox;
    }
  }
  throw new Error(`no sandbox for ${taskId}`);
}

test('the same command runs under both containerizers, each picked by the container type', async () => {
  const master = await new FakeMaster().start();
  const agent = await startAgent({ master: master.address, workDir: workDir(), ...quick });
  try {
    await agent.registered;
    // Only a Docker container has the sandbox mounted at /mnt/tessera/sandbox.
    const script = 'echo hello; test -d /mnt/tessera/sandbox && echo docker || echo host';
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('in-docker', script, { container: dockerContainer() }) } });
    master.send({
      runTask: { frameworkInfo: FRAMEWORK, task: shellTask('in-native', script, { container: ContainerInfo.create({ type: ContainerInfo_Type.NATIVE }) }) },
    });
    const [docker_, native] = await Promise.all([ackUntilTerminal(master, 'in-docker'), ackUntilTerminal(master, 'in-native')]);
    assert.is(docker_.status!.state, TaskState.FINISHED, docker_.status!.message);
    assert.is(native.status!.state, TaskState.FINISHED, native.status!.message);
    assert.is(readFileSync(path.join(sandboxOf(agent, 'in-docker'), 'stdout'), 'utf8'), 'hello\ndocker\n');
    assert.is(readFileSync(path.join(sandboxOf(agent, 'in-native'), 'stdout'), 'utf8'), 'hello\nhost\n');
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('a task past its memory limit in Docker is TASK_FAILED with CONTAINER_LIMITATION_MEMORY', async () => {
  const master = await new FakeMaster().start();
  const agent = await startAgent({ master: master.address, workDir: workDir(), ...quick });
  try {
    await agent.registered;
    const hog = shellTask('hog', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived', {
      container: dockerContainer(),
      resources: [scalar('cpus', 0.5), scalar('mem', 32)],
    });
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task: hog } });
    const end = await ackUntilTerminal(master, 'hog');
    assert.is(end.status!.state, TaskState.FAILED);
    assert.is(end.status!.reason, TaskStatus_Reason.CONTAINER_LIMITATION_MEMORY);
    assert.match(end.status!.message, /memory limit of 32 MiB/);
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('a kill gives the Docker task its grace period (SIGTERM, then SIGKILL), then TASK_KILLED', async () => {
  const master = await new FakeMaster().start();
  const agent = await startAgent({ master: master.address, workDir: workDir(), ...quick });
  try {
    await agent.registered;
    const task = shellTask('graceful', 'trap "echo got TERM; sleep 0.3; echo bye; exit 0" TERM; while :; do sleep 0.1; done', {
      container: dockerContainer(),
      killPolicy: { gracePeriodSeconds: 5 },
    });
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
    await ackUntilRunning(master, 'graceful');
    master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'graceful' } });
    const end = await ackUntilTerminal(master, 'graceful');
    assert.is(end.status!.state, TaskState.KILLED);
    // It used part of its grace to say goodbye: SIGTERM came first.
    assert.is(readFileSync(path.join(sandboxOf(agent, 'graceful'), 'stdout'), 'utf8'), 'got TERM\nbye\n');
  } finally {
    await agent.stop();
    await master.stop();
  }
});

test('an agent restart re-attaches its running Docker task (it then reports FINISHED) and removes an orphan container', async () => {
  const master = await new FakeMaster().start();
  const dir = workDir();
  const first = await startAgent({ master: master.address, workDir: dir, ...quick });
  const orphanName = `tessera-orphan-${Math.random().toString(36).slice(2, 10)}`;
  let second: AgentHandle | undefined;
  try {
    await first.registered;
    const task = shellTask('survivor', 'echo started; while [ ! -f release ]; do sleep 0.1; done; echo done', { container: dockerContainer() });
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
    const running = await ackUntilRunning(master, 'survivor');
    const sandbox = sandboxOf(first, 'survivor');
    await first.stop({ killTasks: false });
    // A labelled container of this agent that no task of it knows: left by a crash between create and checkpoint, say.
    await docker.createContainer({ name: orphanName, Image: TEST_IMAGE, Cmd: ['sleep', '60'], Labels: { [LABEL.workDir]: dir, [LABEL.containerId]: 'orphan' } }).then((c) => c.start());
    assert.is((await containersOf(dir)).length, 2, 'the task container ran on while no agent watched; the orphan too');

    second = await startAgent({ master: master.address, workDir: dir, ...quick });
    await second.registered;
    const left = await containersOf(dir);
    assert.equal(left.map((c) => c.Labels[LABEL.taskId]), ['survivor'], 'the orphan is gone, the task container stays');
    // The re-registration tells the master the task still runs.
    const hello = await waitFor('reregister', () => master.received.filter((m) => m.reregister).at(-1));
    assert.equal(hello.reregister!.tasks.map((t) => [t.taskId, t.state]), [['survivor', TaskState.RUNNING]]);
    writeFileSync(path.join(sandbox, 'release'), '');
    const end = await ackUntilTerminal(master, 'survivor');
    assert.is(end.status!.state, TaskState.FINISHED, end.status!.message);
    assert.equal(end.status!.containerId, running.status!.containerId);
    assert.is(readFileSync(path.join(sandbox, 'stdout'), 'utf8'), 'started\ndone\n');
    // Removed once its end was read (the update above comes after the removal).
    assert.equal(await containersOf(dir), []);
  } finally {
    await first.stop();
    await second?.stop();
    await docker.getContainer(orphanName).remove({ force: true }).catch(() => undefined);
    await master.stop();
  }
});

test.run();
