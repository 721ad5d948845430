// The native containerizer through the agent (fake master = a test double of
// AgentService; real kernel, real processes): a task passing its memory limit
// is reported TASK_FAILED / CONTAINER_LIMITATION_MEMORY; its limits are
// visible inside; an agent without usable cgroups falls back to posix and
// says so; a task asking for a containerizer the agent lacks fails to launch
// naming the flag.

import { readFileSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ContainerInfo, ContainerInfo_Type, TaskState, TaskStatus_Reason, createLogger, silentLogger, type Resource } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, getJson, isTerminalState, shellTask, tempDir as makeTempDir, waitFor } from './helpers.js';

const workDirs: string[] = [];
function tempDir(): string {
  const dir = makeTempDir();
  workDirs.push(dir);
  return dir;
}

const terminal = (u: { status?: { state: TaskState } }) => isTerminalState(u.status?.state);
const scalar = (name: string, value: number): Resource => ({ name, scalar: { value }, reservation: '', revocable: false }) as Resource;

let master: FakeMaster;
const agents: AgentHandle[] = [];
const quick = {
  port: 0,
  statusUpdateRetry: { initialMs: 300, maxMs: 1_000 },
  reconnectBackoff: { initialMs: 50, maxMs: 500 },
};

test.before(async () => {
  master = await new FakeMaster().start();
});

test.after(async () => {
  for (const agent of agents) await agent.stop();
  await master.stop();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  // The shared tessera parent, when no other agent on this host uses it.
  for (const controller of ['cpu', 'cpuacct', 'memory', 'pids', 'devices']) {
    try {
      rmdirSync(path.join('/sys/fs/cgroup', controller, 'tessera'));
    } catch {
      // In use by another agent, or never made.
    }
  }
});

async function agent(options: Partial<Parameters<typeof startAgent>[0]> = {}): Promise<AgentHandle> {
  const started = await startAgent({ master: master.address, workDir: tempDir(), logger: silentLogger(), ...quick, ...options });
  agents.push(started);
  await started.registered;
  return started;
}

function sandboxOf(agentHandle: AgentHandle, executorId: string): string {
  const executors = agentHandle.state().frameworks.flatMap((f) => [...f.executors, ...f.completedExecutors]);
  return executors.find((e) => e.id === executorId)!.sandbox;
}

test('memory limit: an allocation past it is OOM-killed → TASK_FAILED, REASON_CONTAINER_LIMITATION_MEMORY', async () => {
  await agent();
  const task = shellTask('oom-1', 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo survived', {
    resources: [scalar('cpus', 0.5), scalar('mem', 32)],
  });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const updates = await master.runToEnd('oom-1', terminal, 20_000);
  assert.equal(updates.map((u) => u.status!.state), [TaskState.STARTING, TaskState.RUNNING, TaskState.FAILED]);
  const last = updates.at(-1)!.status!;
  assert.is(last.reason, TaskStatus_Reason.CONTAINER_LIMITATION_MEMORY);
  assert.match(last.message, /memory limit of 32 MiB/);
  assert.is(last.exitCode, 137); // 128 + SIGKILL
});

test('limits are visible inside the task: memory.limit_in_bytes and the CFS quota of its cgroups', async () => {
  const handle = await agent();
  const script =
    'm=$(grep :memory: /proc/self/cgroup | cut -d: -f3); c=$(grep :cpu: /proc/self/cgroup | cut -d: -f3); ' +
    'cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us; ls /proc | grep -c "^[0-9]"';
  master.send({
    runTask: { frameworkInfo: FRAMEWORK, task: shellTask('limits-1', script, { resources: [scalar('cpus', 0.25), scalar('mem', 40)] }) },
  });
  const last = (await master.runToEnd('limits-1', terminal, 20_000)).at(-1)!;
  assert.is(last.status!.state, TaskState.FINISHED);
  const [memory, quota, processes] = readFileSync(path.join(sandboxOf(handle, 'limits-1'), 'stdout'), 'utf8').trim().split('\n');
  assert.is(memory, String(40 * 1024 * 1024));
  assert.is(quota, '25000'); // 0.25 cpus × 100,000 µs
  assert.ok(Number(processes) <= 6, `its own PID namespace (${processes} processes visible)`);
});

test('GET /containers: each live container with its cgroup usage and limits', async () => {
  const handle = await agent();
  master.send({
    runTask: { frameworkInfo: FRAMEWORK, task: shellTask('usage-1', 'exec sleep 30', { resources: [scalar('cpus', 0.5), scalar('mem', 24)] }) },
  });
  const ended = master.runToEnd('usage-1', terminal, 20_000);
  await waitFor('usage-1 RUNNING', () => master.updates('usage-1').some((u) => u.status!.state === TaskState.RUNNING));
  const body = (await getJson(handle.httpAddress, '/containers')).body as unknown[];
  const entry = (body as Array<{ taskId?: string; executorId: string; frameworkId: string; usage: Record<string, number> }>).find(
    (e) => e.taskId === 'usage-1',
  )!;
  assert.is(entry.frameworkId, 'fw-1');
  assert.is(entry.executorId, 'usage-1');
  assert.is(entry.usage.memoryLimitBytes, 24 * 1024 * 1024);
  assert.is(entry.usage.cpusLimit, 0.5);
  assert.ok((entry.usage.memoryBytes ?? 0) > 0);
  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'usage-1' } });
  assert.is((await ended).at(-1)!.status!.state, TaskState.KILLED);
});

test('without usable cgroups (cgroupsRoot that does not exist) the agent warns and runs tasks with posix isolation', async () => {
  const lines: string[] = [];
  const logger = createLogger('agent', {
    level: 'warn',
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const handle = await agent({ logger, cgroupsRoot: '/no/such/cgroup/root' });
  assert.ok(
    lines.some((line) => /native containerizer unavailable.*no cgroup hierarchy at \/no\/such\/cgroup\/root.*posix/.test(line)),
    `a start-up warning says so (${lines.join('')})`,
  );
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('posix-1', 'cat /proc/self/cgroup; ls /proc | grep -c "^[0-9]"') } });
  const last = (await master.runToEnd('posix-1', terminal, 20_000)).at(-1)!;
  assert.is(last.status!.state, TaskState.FINISHED);
  const output = readFileSync(path.join(sandboxOf(handle, 'posix-1'), 'stdout'), 'utf8');
  assert.not.match(output, /tessera/, 'in no tessera cgroup');
  assert.ok(Number(output.trim().split('\n').at(-1)) > 6, 'in the host PID namespace');
});

test('a task asking for DOCKER on an agent started without it: CONTAINER_LAUNCH_FAILED naming the flag', async () => {
  await agent({ containerizers: ['native'] });
  const task = shellTask('docker-1', 'true', { container: ContainerInfo.create({ type: ContainerInfo_Type.DOCKER }) });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const last = (await master.runToEnd('docker-1', terminal, 20_000)).at(-1)!.status!;
  assert.is(last.state, TaskState.FAILED);
  assert.is(last.reason, TaskStatus_Reason.CONTAINER_LAUNCH_FAILED);
  assert.match(last.message, /--containerizers=native,docker/);
});

test('containerizers option: unknown names and empty lists are refused before anything starts', async () => {
  for (const containerizers of [[], ['lxc'], 'native']) {
    await startAgent({ master: master.address, workDir: tempDir(), logger: silentLogger(), containerizers } as never).then(
      () => assert.unreachable(`accepted ${JSON.stringify(containerizers)}`),
      (err: Error) => assert.match(err.message, /^containerizers: /),
    );
  }
  await startAgent({ master: master.address, workDir: tempDir(), logger: silentLogger(), cgroupsRoot: 'relative' }).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, /^cgroupsRoot: must be an absolute path/),
  );
});

test.run();
