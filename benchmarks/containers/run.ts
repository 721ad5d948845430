// npm run bench:containers — container launch latency through a real agent.
//
// For each containerizer (posix and native by default; docker with
// --containerizer docker and a running dockerd): an agent started in this
// process against BenchMaster (which acknowledges every update at once).
//   1. sequential: one RunTask at a time; latency = RunTask written → RUNNING
//      received (sandbox, STARTING and its ack, the containerizer's launch,
//      RUNNING). p50/p99 over --samples launches.
//   2. concurrent: --concurrent RunTasks written at once; time until all are
//      RUNNING; then all killed, time until all are terminal (containers and
//      cgroups gone).
//   3. direct: the same --concurrent launches through the Containerizer API
//      alone (createContainerizer, as the agent builds it): launch() resolved
//      = the task's process runs. The difference to 2. is the agent's own
//      path (sandboxes, status updates group-committed to disk, the stream).
// Tasks run `sleep 600` with --cpus (default 0.25) and mem 32, so native
// containers get real cgroup limits. The CFS quota holds the container's own
// start-up (unshare, its init, the shell) too: at cpus 0.01 (1 ms of CPU per
// 100 ms) a native launch takes ≈ 150-450 ms instead of ≈ 25 ms.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { CommandInfo, ContainerInfo, ContainerInfo_Type, TaskInfo, TaskState, createLogger, type Resource } from '@tessera/common';

import { createContainerizer } from '../../ts/agent/src/containerizer/choose.js';
import { startAgent, type AgentHandle } from '../../ts/agent/src/index.js';
import { summarize } from '../allocator/stats.js';
import { BenchMaster } from './bench-master.js';

type Name = 'posix' | 'native' | 'docker';

const { values } = parseArgs({
  options: {
    containerizer: { type: 'string', default: 'posix,native' },
    samples: { type: 'string', default: '100' },
    concurrent: { type: 'string', default: '200' },
    image: { type: 'string', default: 'tessera-test/busybox:latest' },
    cpus: { type: 'string', default: '0.25' },
  },
});
const names = values.containerizer!.split(',').map((name) => name.trim()) as Name[];
for (const name of names) {
  if (!['posix', 'native', 'docker'].includes(name)) throw new TypeError(`--containerizer: unknown ${JSON.stringify(name)} (posix, native, docker)`);
}
const samples = positive('samples', values.samples!);
const concurrent = positive('concurrent', values.concurrent!);
const cpus = Number(values.cpus);
if (!(cpus > 0 && cpus <= 64)) throw new TypeError(`--cpus: must be in (0, 64] (got ${values.cpus})`);

const TERMINAL = new Set([TaskState.FINISHED, TaskState.FAILED, TaskState.KILLED, TaskState.ERROR, TaskState.LOST, TaskState.DROPPED]);
const isRunning = (states: Map<TaskState, number>) => states.has(TaskState.RUNNING) || [...states.keys()].some((s) => TERMINAL.has(s));
const isTerminal = (states: Map<TaskState, number>) => [...states.keys()].some((s) => TERMINAL.has(s));

interface Result {
  containerizer: Name;
  sequential: ReturnType<typeof summarize>;
  /** cpuMs: CPU time (user + system) of this process — the agent and BenchMaster — from the first RunTask to the last RUNNING. */
  concurrent: { tasks: number; allRunningMs: number; perSecond: number; allKilledMs: number; failed: number; cpuMs: number };
  direct?: { tasks: number; allLaunchedMs: number; perSecond: number; allKilledMs: number };
}

const results: Result[] = [];
for (const name of names) {
  const result = await measure(name);
  if (name !== 'docker') result.direct = await direct(name);
  results.push(result);
}

console.log(`\nbench:containers (task cpus ${cpus}, mem 32 MiB, ${samples} sequential samples) on ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, node ${process.version}`);
console.log('containerizer | launch → RUNNING p50 | p99 | mean | max | concurrent: all RUNNING | launches/s | agent CPU per launch | all killed | failed');
for (const r of results) {
  const s = r.sequential;
  console.log(
    `${r.containerizer.padEnd(13)} | ${ms(s.median).padStart(19)} | ${ms(s.p99).padStart(7)} | ${ms(s.mean).padStart(7)} | ${ms(s.max).padStart(7)} | ` +
      `${r.concurrent.tasks} in ${ms(r.concurrent.allRunningMs)} | ${r.concurrent.perSecond.toFixed(0)}/s | ${ms(r.concurrent.cpuMs / r.concurrent.tasks)} | ${ms(r.concurrent.allKilledMs)} | ${r.concurrent.failed}`,
  );
}
if (results.some((r) => r.direct)) console.log(`containerizer API alone, ${concurrent} concurrent launch() calls:`);
for (const r of results) {
  if (!r.direct) continue;
  console.log(`${r.containerizer.padEnd(13)} | all launched in ${ms(r.direct.allLaunchedMs)} (${r.direct.perSecond.toFixed(0)}/s) | all killed in ${ms(r.direct.allKilledMs)}`);
}
console.log('(Mesos: about 1,000 containers on one agent in about 30 s, ≈ 33/s)');
console.log(JSON.stringify({ bench: 'containers', at: new Date().toISOString(), samples, cpus, results }));

async function measure(name: Name): Promise<Result> {
  const master = await new BenchMaster().start();
  const workDir = mkdtempSync(path.join(os.tmpdir(), `tessera-bench-containers-${name}-`));
  let agent: AgentHandle | undefined;
  try {
    agent = await startAgent({
      master: master.address,
      workDir,
      port: 0,
      containerizers: [name],
      logger: createLogger('agent', { level: 'warn' }),
      resources: `cpus:${Math.ceil(concurrent * cpus)};mem:${concurrent * 64}`,
    });
    await master.agentRegistered;
    // Warm-up (page cache, JIT) not counted.
    await launchOne(master, name, `warm-${name}`, 30_000);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) latencies.push(await launchOne(master, name, `seq-${name}-${i}`, 30_000));

    const ids = Array.from({ length: concurrent }, (_, i) => `con-${name}-${i}`);
    // CPU time beside wall time: on a shared machine the wall time follows the
    // load of the moment; the CPU the agent spends per launch much less so.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const id of ids) master.runTask(task(name, id));
    await master.waitAll(ids, isRunning, 120_000);
    const allRunningMs = performance.now() - t0;
    const cpuUsed = process.cpuUsage(cpu0);
    const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
    const failed = ids.filter((id) => !master.arrivals.get(id)?.has(TaskState.RUNNING)).length;
    const t1 = performance.now();
    for (const id of ids) master.killTask(id);
    await master.waitAll(ids, isTerminal, 120_000);
    const allKilledMs = performance.now() - t1;
    console.log(`${name}: ${samples} sequential, ${concurrent} concurrent done`);
    return {
      containerizer: name,
      sequential: summarize(latencies),
      concurrent: { tasks: concurrent, allRunningMs, perSecond: concurrent / (allRunningMs / 1000), allKilledMs, failed, cpuMs },
    };
  } finally {
    await agent?.stop();
    await master.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function direct(name: 'posix' | 'native'): Promise<NonNullable<Result['direct']>> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), `tessera-bench-containers-direct-${name}-`));
  const containerizer = createContainerizer({
    names: [name],
    logger: createLogger('agent', { level: 'warn' }),
    checkpointDir: path.join(workDir, 'meta', 'containers'),
    cgroupsRoot: '/sys/fs/cgroup',
    pidsMax: 4096,
    workDir,
    gpus: 0,
  });
  try {
    const t0 = performance.now();
    const containers = await Promise.all(
      Array.from({ length: concurrent }, async (_, i) => {
        const sandbox = path.join(workDir, `sandbox-${i}`);
        mkdirSync(sandbox);
        const t = task(name, `direct-${name}-${i}`);
        return containerizer.launch({
          containerId: `direct-${i}`,
          command: { shell: true, value: t.command!.value, arguments: [] },
          sandbox,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          resources: t.resources,
        });
      }),
    );
    const allLaunchedMs = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(containers.map((c) => containerizer.kill(c.containerId, 0)));
    const allKilledMs = performance.now() - t1;
    return { tasks: concurrent, allLaunchedMs, perSecond: concurrent / (allLaunchedMs / 1000), allKilledMs };
  } finally {
    for (const c of containerizer.containers()) await containerizer.kill(c.containerId, 0);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** One launch: RunTask → RUNNING, then kill it (not timed) so containers do not pile up. */
async function launchOne(master: BenchMaster, name: Name, id: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  master.runTask(task(name, id));
  await master.waitAll([id], isRunning, timeoutMs);
  const running = master.arrivals.get(id)!.get(TaskState.RUNNING);
  if (running === undefined) throw new Error(`${id} did not run: ${[...master.arrivals.get(id)!.keys()].join(', ')}`);
  master.killTask(id);
  await master.waitAll([id], isTerminal, timeoutMs);
  return running - t0;
}

function task(name: Name, id: string): TaskInfo {
  const resources = [
    { name: 'cpus', scalar: { value: cpus }, reservation: '', revocable: false },
    { name: 'mem', scalar: { value: 32 }, reservation: '', revocable: false },
  ] as Resource[];
  return TaskInfo.create({
    taskId: id,
    name: id,
    command: CommandInfo.create({ shell: true, value: 'exec sleep 600' }),
    resources,
    container:
      name === 'docker'
        ? ContainerInfo.create({ type: ContainerInfo_Type.DOCKER, docker: { image: values.image!, network: 'host' } })
        : undefined,
  });
}

function positive(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${option}: must be a positive integer (got ${text})`);
  return n;
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}
