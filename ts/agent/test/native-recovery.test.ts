// Agent recovery with native containers, on the real kernel (as root, cgroups)
// and real processes; the master is the scripted fake (a test double of
// AgentService). An agent stops leaving its tasks running (or is SIGKILLed as
// a child process), a new agent starts on the same work dir, and:
// --recover=reconnect re-attaches the containers (same pid, usage, kill, OOM,
// the exit becomes the task's next update exactly once, an exit while the
// agent was away is reported as it was); unacknowledged updates are resent
// with the same uuid under the same agent id; --recover=cleanup kills them and
// joins as a new agent; a faked reboot (boot id file) ends each task with
// exactly one terminal update.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  FrameworkCapability,
  FrameworkInfo,
  TaskState,
  TaskStatus_Reason,
  silentLogger,
  type AgentMessage_StatusUpdate,
  type Resource,
} from '@tessera/common';

import { cgroupParent } from '../src/containerizer/choose.js';
import { detectCgroups } from '../src/containerizer/native/cgroups.js';
import { NativeContainerizer } from '../src/containerizer/native/native.js';
import { startAgent, type AgentHandle, type AgentOptions } from '../src/index.js';
import { agentIdFile, bootIdFile, taskUpdatesFile } from '../src/paths.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, getJson, isRunning, isTerminalState, shellTask, tempDir, waitFor } from './helpers.js';

const ROOT = '/sys/fs/cgroup';
if ('unavailable' in detectCgroups(ROOT, 'tessera-test/probe')) {
  console.error('native-recovery.test.ts needs root and cgroups');
  process.exit(1);
}

const PARTITION_AWARE = FrameworkInfo.create({
  id: 'fw-pa',
  name: 'partition-aware',
  roles: ['*'],
  capabilities: [FrameworkCapability.PARTITION_AWARE],
});

const scalar = (name: string, value: number): Resource => ({ name, scalar: { value }, reservation: '', revocable: false }) as Resource;
const uuidOf = (u: AgentMessage_StatusUpdate) => Buffer.from(u.status!.uuid).toString('hex');
const pidOf = (u: AgentMessage_StatusUpdate) => Number(/pid (\d+)/.exec(u.status!.message)![1]);
/** Waits for a file the task polls for, so it ends when the test says. */
const untilGo = (then: string) => `while [ ! -e go ]; do sleep 0.05; done; ${then}`;

/** Long resend backoff: a resend seen after a restart is the one every head gets at registration. */
const quick = {
  port: 0,
  logger: silentLogger(),
  statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 },
  reconnectBackoff: { initialMs: 50, maxMs: 200 },
};

/** One test's world: a fake master, a work dir, the agents started on it; all removed at the end, whatever happened. */
class World {
  readonly workDir = tempDir();
  readonly agents: AgentHandle[] = [];
  readonly master = new FakeMaster();

  async start(options: Partial<AgentOptions> = {}): Promise<AgentHandle> {
    if (!this.master.address) await this.master.start();
    const agent = await startAgent({ master: this.master.address, workDir: this.workDir, ...quick, ...options });
    this.agents.push(agent);
    return agent;
  }

  /** Launches a task and acknowledges its updates up to RUNNING (unless ackRunning is false); returns RUNNING. */
  async launch(task: ReturnType<typeof shellTask>, frameworkInfo = FRAMEWORK, ackRunning = true): Promise<AgentMessage_StatusUpdate> {
    this.master.send({ runTask: { frameworkInfo, task } });
    this.master.acknowledge(await this.master.waitForUpdate(task.taskId, 1));
    const running = await waitFor(`${task.taskId} RUNNING`, () =>
      this.master.updates(task.taskId).find((u) => u.status!.state === TaskState.RUNNING),
    );
    if (ackRunning) this.master.acknowledge(running);
    return running;
  }

  /** Acknowledges every update of the task after `from` as it comes, until a terminal one; returns those after `from`. */
  async toEnd(taskId: string, from: number, frameworkId = 'fw-1'): Promise<AgentMessage_StatusUpdate[]> {
    const acked = new Set<string>();
    await waitFor(`${taskId} terminal`, () => {
      const after = this.master.received.slice(from).flatMap((m) => (m.statusUpdate?.status?.taskId === taskId ? [m.statusUpdate] : []));
      for (const u of after) {
        if (!acked.has(uuidOf(u))) acked.add(uuidOf(u)), this.master.acknowledge(u);
      }
      return after.some((u) => isTerminalState(u.status!.state));
    }, 20_000);
    // The terminal update acknowledged: its stream is gone from disk, so nothing about the task can come again.
    await waitFor(`${taskId}'s update stream removed`, () => !existsSync(path.dirname(taskUpdatesFile(this.workDir, frameworkId, taskId))));
    return this.master.received.slice(from).flatMap((m) => (m.statusUpdate?.status?.taskId === taskId ? [m.statusUpdate] : []));
  }

  sandbox(agent: AgentHandle, taskId: string): string {
    return agent.state().frameworks.flatMap((f) => f.executors).find((e) => e.id === taskId)!.sandbox;
  }

  async dispose(pids: number[]): Promise<void> {
    for (const agent of this.agents) await agent.stop().catch(() => undefined);
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // Whatever an agent left (a failed assertion before its stop): killed and its cgroups removed, as a restarted agent would.
    const found = detectCgroups(ROOT, cgroupParent(this.workDir));
    if ('cgroups' in found) {
      await new NativeContainerizer({
        logger: silentLogger(),
        cgroups: found.cgroups,
        pidsMax: 64,
        checkpointDir: path.join(this.workDir, 'meta', 'native-containers'),
      }).recover();
    }
    await this.master.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Distinct (by uuid) terminal updates among these. */
function terminals(updates: AgentMessage_StatusUpdate[]): AgentMessage_StatusUpdate[] {
  const seen = new Map<string, AgentMessage_StatusUpdate>();
  for (const u of updates) if (isTerminalState(u.status!.state)) seen.set(uuidOf(u), u);
  return [...seen.values()];
}

function cgroupsOf(workDir: string): string[] {
  const found = detectCgroups(ROOT, cgroupParent(workDir));
  return 'cgroups' in found ? found.cgroups.list() : [];
}

test('reconnect: native tasks outlive their agent; the next agent re-attaches them (same pid, usage), resends with the same uuid, and reports each exit once', async () => {
  const world = new World();
  const pids: number[] = [];
  try {
    const first = await world.start();
    const id = await first.registered;
    const sleeper = await world.launch(shellTask('sleeper', 'exec sleep 30', { resources: [scalar('cpus', 0.25), scalar('mem', 32)] }));
    const seven = await world.launch(shellTask('seven', untilGo('exit 7')), FRAMEWORK, false); // RUNNING stays unacknowledged
    const away = await world.launch(shellTask('away', untilGo('exit 3')));
    pids.push(pidOf(sleeper), pidOf(seven), pidOf(away));
    const sandboxes = { seven: world.sandbox(first, 'seven'), away: world.sandbox(first, 'away') };
    await first.stop({ killTasks: false });
    for (const pid of pids) assert.ok(isRunning(pid), `pid ${pid} runs on without its agent`);

    // 'away' ends while no agent runs: only its init is there to tell how.
    writeFileSync(path.join(sandboxes.away, 'go'), '');
    await waitFor('away ended', () => !isRunning(pidOf(away)));

    const before = world.master.received.length;
    const second = await world.start();
    assert.is(await second.registered, id, 'the same agent id');
    const hello = await waitFor('reregister', () => world.master.received.slice(before).find((m) => m.reregister)?.reregister);
    assert.is(hello.agentInfo!.id, id);
    const listed = new Map(hello.tasks.map((t) => [t.taskId, t.state]));
    assert.is(listed.get('sleeper'), TaskState.RUNNING);
    assert.is(listed.get('seven'), TaskState.RUNNING);
    // Listed whether or not its end is already handled: until the master acknowledges how it ended, the task is here.
    assert.ok(listed.has('away'));

    // The unacknowledged RUNNING of 'seven' comes again, the same update.
    const resent = await waitFor('seven RUNNING resent', () =>
      world.master.received.slice(before).find((m) => m.statusUpdate?.status?.taskId === 'seven')?.statusUpdate,
    );
    assert.is(uuidOf(resent), uuidOf(seven));
    assert.is(resent.status!.state, TaskState.RUNNING);

    // /containers: the re-attached container, its pid unchanged, measured by its cgroups.
    const entries = (await getJson(second.httpAddress, '/containers')).body as Array<{ taskId?: string; pid: number; usage: Record<string, number> | null }>;
    const entry = entries.find((e) => e.taskId === 'sleeper')!;
    assert.is(entry.pid, pidOf(sleeper));
    assert.is(entry.usage!.memoryLimitBytes, 32 * 1024 * 1024);
    assert.ok((entry.usage!.memoryBytes ?? 0) > 0);
    const states = new Map(second.state().frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks.map((t) => [t.id, t.state]))));
    assert.is(states.get('sleeper'), 'RUNNING');

    // 'away' ended while the agent was gone: reported as it ended (exit 3), not lost.
    const awayAfter = terminals(await world.toEnd('away', before));
    assert.is(awayAfter.length, 1);
    assert.is(awayAfter[0]!.status!.state, TaskState.FAILED);
    assert.is(awayAfter[0]!.status!.exitCode, 3);

    // 'seven' exits now, under the re-attached supervision: its next update, exactly once.
    writeFileSync(path.join(sandboxes.seven, 'go'), '');
    const sevenAfter = await world.toEnd('seven', before);
    const sevenEnd = terminals(sevenAfter);
    assert.is(sevenEnd.length, 1, 'one terminal update');
    assert.is(sevenEnd[0]!.status!.state, TaskState.FAILED);
    assert.is(sevenEnd[0]!.status!.exitCode, 7);
    assert.is(sevenEnd[0]!.status!.reason, TaskStatus_Reason.COMMAND_EXECUTOR_FAILED);
    assert.equal([...new Set(sevenAfter.map((u) => u.status!.state))], [TaskState.RUNNING, TaskState.FAILED]);

    // A kill reaches the re-attached container.
    world.master.send({ killTask: { frameworkId: 'fw-1', taskId: 'sleeper', killPolicy: { gracePeriodSeconds: 0 } } });
    const sleeperEnd = terminals(await world.toEnd('sleeper', before));
    assert.is(sleeperEnd.length, 1);
    assert.is(sleeperEnd[0]!.status!.state, TaskState.KILLED);
    assert.not.ok(isRunning(pidOf(sleeper)));
    await waitFor('cgroups removed', () => cgroupsOf(world.workDir).length === 0);
    assert.equal(readdirSync(path.join(world.workDir, 'meta', 'native-containers')), [], 'run dirs go with their containers');
  } finally {
    await world.dispose(pids);
  }
});

test('a re-attached task that passes its memory limit: TASK_FAILED, REASON_CONTAINER_LIMITATION_MEMORY', async () => {
  const world = new World();
  const pids: number[] = [];
  try {
    const first = await world.start();
    await first.registered;
    const script = untilGo('x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo survived');
    const running = await world.launch(shellTask('hungry', script, { resources: [scalar('cpus', 0.5), scalar('mem', 32)] }));
    pids.push(pidOf(running));
    const sandbox = world.sandbox(first, 'hungry');
    await first.stop({ killTasks: false });
    const before = world.master.received.length;
    const second = await world.start();
    await second.registered;
    await waitFor('re-attached', () => second.state().frameworks.some((f) => f.executors.some((e) => e.id === 'hungry')));
    writeFileSync(path.join(sandbox, 'go'), '');
    const end = terminals(await world.toEnd('hungry', before));
    assert.is(end.length, 1);
    assert.is(end[0]!.status!.state, TaskState.FAILED);
    assert.is(end[0]!.status!.reason, TaskStatus_Reason.CONTAINER_LIMITATION_MEMORY);
    assert.match(end[0]!.status!.message, /memory limit of 32 MiB/);
    await waitFor('cgroups removed', () => cgroupsOf(world.workDir).length === 0);
  } finally {
    await world.dispose(pids);
  }
});

test('--recover=cleanup: what the earlier run left is killed, and the agent joins as a new agent', async () => {
  const world = new World();
  const pids: number[] = [];
  try {
    const first = await world.start();
    const oldId = await first.registered;
    const running = await world.launch(shellTask('doomed', 'exec sleep 30'));
    pids.push(pidOf(running));
    await first.stop({ killTasks: false });
    assert.ok(isRunning(pidOf(running)));

    const before = world.master.received.length;
    const second = await world.start({ recover: 'cleanup' });
    const newId = await second.registered;
    assert.is.not(newId, oldId, 'a new agent id');
    assert.ok(world.master.received.slice(before).find((m) => m.register), 'Register, not Reregister');
    assert.not.ok(world.master.received.slice(before).some((m) => m.reregister));
    assert.not.ok(isRunning(pidOf(running)), 'killed before the agent registered');
    assert.is(readFileSync(agentIdFile(world.workDir), 'utf8').trim(), newId);
    assert.not.ok(existsSync(path.dirname(taskUpdatesFile(world.workDir, 'fw-1', 'doomed'))), 'its checkpoints are forgotten');
    assert.equal(second.state().frameworks, []);
    assert.is(cgroupsOf(world.workDir).length, 0);
    // The new agent says nothing of the old agent's task (the master ends it with the old agent id).
    assert.not.ok(world.master.received.slice(before).some((m) => m.statusUpdate?.status?.taskId === 'doomed'));
  } finally {
    await world.dispose(pids);
  }
});

test('after a reboot (a changed boot id) nothing is re-attached: each live task gets exactly one terminal update, LOST or GONE (partition-aware)', async () => {
  const world = new World();
  const pids: number[] = [];
  const bootFile = path.join(world.workDir, 'fake-boot-id');
  try {
    writeFileSync(bootFile, 'boot-one\n');
    const first = await world.start({ bootIdFile: bootFile });
    const id = await first.registered;
    const plain = await world.launch(shellTask('plain', 'exec sleep 30'));
    const aware = await world.launch(shellTask('pa-task', 'exec sleep 30'), PARTITION_AWARE, false); // its RUNNING unacknowledged
    pids.push(pidOf(plain), pidOf(aware));
    await first.stop({ killTasks: false });
    assert.is(readFileSync(bootIdFile(world.workDir), 'utf8').trim(), 'boot-one');

    writeFileSync(bootFile, 'boot-two\n'); // "reboot" (the processes, in truth, still run: the agent must not re-attach them)
    const before = world.master.received.length;
    const second = await world.start({ bootIdFile: bootFile });
    assert.is(await second.registered, id, 'the agent id is kept across a reboot (as Mesos 1.4+)');
    const hello = await waitFor('reregister', () => world.master.received.slice(before).find((m) => m.reregister)?.reregister);
    // It runs nothing of the earlier boot: the tasks are listed only as ended, until their last updates are acknowledged.
    assert.equal(
      hello.tasks.map((t) => [t.taskId, t.state]).sort(),
      [['pa-task', TaskState.GONE], ['plain', TaskState.LOST]],
    );
    const plainEnd = terminals(await world.toEnd('plain', before));
    assert.is(plainEnd.length, 1);
    assert.is(plainEnd[0]!.status!.state, TaskState.LOST);
    assert.is(plainEnd[0]!.status!.reason, TaskStatus_Reason.AGENT_RESTARTED);
    assert.match(plainEnd[0]!.status!.message, /rebooted/);
    const awareAll = await world.toEnd('pa-task', before, PARTITION_AWARE.id);
    const awareEnd = terminals(awareAll);
    assert.is(awareEnd.length, 1);
    assert.is(awareEnd[0]!.status!.state, TaskState.GONE);
    assert.is(awareEnd[0]!.status!.reason, TaskStatus_Reason.AGENT_RESTARTED);
    assert.is(uuidOf(awareAll[0]!), uuidOf(aware), 'its unacknowledged RUNNING first, the same update');
    // The "survivors" of the fake reboot are destroyed through their cgroups (pids are not trusted after a reboot).
    await waitFor('processes gone', () => pids.every((pid) => !isRunning(pid)));
    await waitFor('cgroups removed', () => cgroupsOf(world.workDir).length === 0);
    assert.is(readFileSync(bootIdFile(world.workDir), 'utf8').trim(), 'boot-two', 'the new boot id is checkpointed');
  } finally {
    await world.dispose(pids);
  }
});

test('an agent SIGKILLed as a process: the next agent re-attaches its native task and reports its exit', async () => {
  const world = new World();
  const pids: number[] = [];
  await world.master.start();
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'agent-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, world.master.address, world.workDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const id = await waitFor('the child agent registered', () => /registered (\S+)/.exec(out)?.[1], 30_000);
    const running = await world.launch(shellTask('survivor', untilGo('exit 7')));
    pids.push(pidOf(running));
    const sandbox = path.join(world.workDir, 'agents', id, 'frameworks', 'fw-1', 'executors', 'survivor', 'runs');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok(isRunning(pidOf(running)), 'the task outlives its killed agent');

    const before = world.master.received.length;
    const second = await world.start();
    assert.is(await second.registered, id);
    const run = second.state().frameworks.flatMap((f) => f.executors).find((e) => e.id === 'survivor')!;
    assert.ok(run.sandbox.startsWith(sandbox));
    writeFileSync(path.join(run.sandbox, 'go'), '');
    const end = terminals(await world.toEnd('survivor', before));
    assert.is(end.length, 1);
    assert.is(end[0]!.status!.state, TaskState.FAILED);
    assert.is(end[0]!.status!.exitCode, 7);
  } finally {
    child.kill('SIGKILL');
    await world.dispose(pids);
  }
});

test('recover and bootIdFile options: bad values are refused naming the option', async () => {
  const workDir = tempDir();
  try {
    await startAgent({ master: '127.0.0.1:1', workDir, ...quick, recover: 'sometimes' as never }).then(
      () => assert.unreachable('accepted recover: sometimes'),
      (err: Error) => {
        assert.instance(err, TypeError);
        assert.match(err.message, /^recover: must be one of reconnect, cleanup/);
      },
    );
    await startAgent({ master: '127.0.0.1:1', workDir, ...quick, bootIdFile: 'relative/boot_id' }).then(
      () => assert.unreachable('accepted a relative bootIdFile'),
      (err: Error) => assert.match(err.message, /^bootIdFile: must be an absolute path/),
    );
    assert.not.ok(existsSync(path.join(workDir, 'meta')), 'nothing was written');
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});

test.run();
