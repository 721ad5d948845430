// Scenario "launch": N simulated agents, F frameworks filling every offer with
// tiny tasks that the agents finish at once. After a warm-up, a measured
// window counts launches (RUNNING received and acknowledged by the framework)
// and times them, along with offer latency and the master's memory and CPU.

import { monitorEventLoopDelay } from 'node:perf_hooks';

import { bytes, count, ms } from '../allocator/report.js';
import { BenchFramework } from './bench-framework.js';
import { resources, startCluster } from './cluster.js';
import { LaunchRecorder } from './launch-recorder.js';
import type { E2eRow } from './report.js';
import { sleep, withTimeout } from './time.js';

export interface LaunchOptions {
  agents: number;
  frameworks: number;
  warmupSeconds: number;
  seconds: number;
  /** What one task takes, Mesos text form. */
  task: string;
  agentPingIntervalSeconds: number;
  agentsPerConnection: number;
  registerBatch: number;
  registry: 'file' | 'memory';
  /** Simulated agents batch their updates (status_updates); false: one message per update. */
  batchUpdates: boolean;
  /** The master's allocation coalescing window; its default when absent. */
  allocationDelayMs?: number;
  declineRefuseSeconds: number;
  /** All frameworks on one HTTP/2 connection (grpc-js's default in one process) instead of one each. */
  sharedConnection: boolean;
  cpuProfileDir?: string;
  progress: (line: string) => void;
}

export const LAUNCH_TARGET_PER_SECOND = 5_000;

/** CPU seconds over a wall-clock span, as a share of one core. */
export function percent(cpuSeconds: number, wallSeconds: number): string {
  return `${((cpuSeconds / wallSeconds) * 100).toFixed(0)}% of a core`;
}


export async function runLaunch(o: LaunchOptions): Promise<E2eRow[]> {
  const taskResources = resources(o.task, '--task');
  const cluster = await startCluster({
    agentPingIntervalSeconds: o.agentPingIntervalSeconds,
    maxAgentPingTimeouts: 5,
    agentsPerConnection: o.agentsPerConnection,
    registry: o.registry,
    batchUpdates: o.batchUpdates,
    ...(o.allocationDelayMs !== undefined ? { allocationDelayMs: o.allocationDelayMs } : {}),
    ...(o.cpuProfileDir ? { cpuProfileDir: o.cpuProfileDir } : {}),
    progress: o.progress,
  });
  const frameworks: BenchFramework[] = [];
  try {
    const registerSeconds = await cluster.addAgents(o.agents, o.registerBatch);
    const recorder = new LaunchRecorder();
    cluster.fleet.onRunTask = (taskId, now) => recorder.runTaskSeen(taskId, now);
    for (let i = 0; i < o.frameworks; i++) {
      frameworks.push(
        new BenchFramework(
          { index: i, master: cluster.master.grpcAddress, taskResources, acceptRefuseSeconds: 0, declineRefuseSeconds: o.declineRefuseSeconds, sharedConnection: o.sharedConnection },
          recorder,
        ),
      );
    }
    await withTimeout(
      Promise.all(frameworks.map((f) => f.subscribed)),
      30_000,
      () => `frameworks not subscribed within 30 s (${recorder.lastCallError || 'no error seen'})`,
    );
    o.progress(`${o.frameworks} frameworks subscribed; warm-up ${o.warmupSeconds} s, then ${o.seconds} s measured`);

    const t0 = performance.now();
    recorder.start = t0 + o.warmupSeconds * 1000;
    recorder.end = recorder.start + o.seconds * 1000;
    await sleep(recorder.start - performance.now());
    cluster.fleet.recordPings = true;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu0 = cluster.cpuSeconds();
    const self0 = process.cpuUsage();
    const startRunning = recorder.running;
    let last = { at: performance.now(), running: recorder.running };
    while (performance.now() < recorder.end) {
      await sleep(Math.min(5000, recorder.end - performance.now()));
      if (cluster.master.exited) throw new Error('the master exited during the run');
      const now = performance.now();
      const rate = (recorder.running - last.running) / ((now - last.at) / 1000);
      last = { at: now, running: recorder.running };
      o.progress(
        `launches ${count(recorder.running - startRunning)} (${count(rate)}/s now), in flight ${count(cluster.fleet.tasksInFlight)}, master RSS ${bytes(cluster.memory().rss)}, call errors ${recorder.callErrors}`,
      );
    }
    const cpu1 = cluster.cpuSeconds();
    loopDelay.disable();
    const self1 = process.cpuUsage(self0);
    const loadGeneratorCpu = (self1.user + self1.system) / 1e6;
    const memory = cluster.memory();
    const silence = cluster.fleet.longestSilenceMs(performance.now());
    const state = await cluster.state();
    const unreachable = state.agents.filter((a) => a.state !== 'active').length;

    const launchesPerSecond = recorder.runningInWindow / o.seconds;
    const launch = recorder.launchLatency.stats();
    const offer = recorder.offerLatency.stats();
    const toRunTask = recorder.acceptToRunTask.stats();
    const acceptCall = recorder.acceptCall.stats();
    const relay = recorder.runningRelay.stats();
    const gaps = cluster.fleet.pingGaps.stats();
    const cpuPer1000 = recorder.runningInWindow > 0 ? ((cpu1 - cpu0) / recorder.runningInWindow) * 1000 : NaN;
    const size = `${count(o.agents)} agents × ${o.frameworks} fw, ${o.registry} registry${o.allocationDelayMs !== undefined ? `, allocation delay ${o.allocationDelayMs} ms` : ''}`;
    const anomalies = [
      ...(recorder.callErrors ? [`${recorder.callErrors} failed scheduler calls (last: ${recorder.lastCallError})`] : []),
      ...[...recorder.otherStates].map(([s, n]) => `${n} updates in state ${s}`),
      ...(cluster.fleet.counters.disconnects ? [`${cluster.fleet.counters.disconnects} agent streams broke`] : []),
      ...(cluster.fleet.counters.unexpectedAcks ? [`${cluster.fleet.counters.unexpectedAcks} acknowledgements of no update in flight`] : []),
      ...(cluster.fleet.counters.resends ? [`${cluster.fleet.counters.resends} updates resent unacknowledged (after 10 s, doubling)`] : []),
    ];
    const counters = { ...cluster.fleet.counters };
    const details = {
      agents: o.agents,
      frameworks: o.frameworks,
      task: o.task,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      registerSeconds,
      allocationDelayMs: o.allocationDelayMs ?? 'master default',
      launchesInWindow: recorder.runningInWindow,
      launchedTotal: recorder.launched,
      runningTotal: recorder.running,
      finishedTotal: recorder.finished,
      accepts: recorder.accepts,
      declines: recorder.declines,
      offersReceived: recorder.offersReceived,
      callErrors: recorder.callErrors,
      otherStates: Object.fromEntries(recorder.otherStates),
      fleet: counters,
      masterCpuSecondsInWindow: cpu1 - cpu0,
      loadGeneratorCpuSecondsInWindow: loadGeneratorCpu,
      unreachableAgents: unreachable,
    };
    return [
      {
        id: 'launch.launches-per-second',
        scenario: `launch ${size}`,
        metric: 'task launches/s (accept → RUNNING acked)',
        value: `${count(launchesPerSecond)}/s`,
        target: { op: '>=', value: LAUNCH_TARGET_PER_SECOND, text: `≥ ${count(LAUNCH_TARGET_PER_SECOND)}/s` },
        targetValue: launchesPerSecond,
        notes: anomalies,
        details,
      },
      {
        id: 'launch.accept-to-running',
        scenario: `launch ${size}`,
        metric: 'launch latency, accept → RUNNING',
        value: `${count(launch.samples)} tasks`,
        p50: ms(launch.median),
        p99: ms(launch.p99),
        max: ms(launch.max),
        details: { ...launch },
      },
      {
        id: 'launch.accept-to-run-task',
        scenario: `launch ${size}`,
        metric: '  of which accept → RunTask at the agent',
        value: `${count(toRunTask.samples)} tasks`,
        p50: ms(toRunTask.median),
        p99: ms(toRunTask.p99),
        max: ms(toRunTask.max),
        details: { ...toRunTask },
      },
      {
        id: 'launch.running-relay',
        scenario: `launch ${size}`,
        metric: '  of which agent sends RUNNING → framework has it',
        value: `${count(relay.samples)} updates`,
        p50: ms(relay.median),
        p99: ms(relay.p99),
        max: ms(relay.max),
        details: { ...relay },
      },
      {
        id: 'launch.accept-call',
        scenario: `launch ${size}`,
        metric: '  accept call round trip',
        value: `${count(acceptCall.samples)} calls`,
        p50: ms(acceptCall.median),
        p99: ms(acceptCall.p99),
        max: ms(acceptCall.max),
        details: { ...acceptCall },
      },
      {
        id: 'launch.offer-latency',
        scenario: `launch ${size}`,
        metric: 'offer latency, accept → next offer of the agent',
        value: `${count(offer.samples)} offers`,
        p50: ms(offer.median),
        p99: ms(offer.p99),
        max: ms(offer.max),
        details: { ...offer },
      },
      {
        id: 'launch.master-rss',
        scenario: `launch ${size}`,
        metric: 'master RSS at end (peak)',
        value: `${bytes(memory.rss)} (${bytes(memory.peakRss)})`,
        details: { ...memory },
      },
      {
        id: 'launch.master-cpu',
        scenario: `launch ${size}`,
        metric: 'master CPU per 1,000 launches (busy)',
        value: `${Number.isFinite(cpuPer1000) ? `${cpuPer1000.toFixed(3)} s` : '—'} (${percent(cpu1 - cpu0, o.seconds)})`,
        details: { cpuSeconds: cpu1 - cpu0, cpuPer1000 },
      },
      {
        id: 'launch.load-generator-cpu',
        scenario: `launch ${size}`,
        metric: 'load generator CPU; its event-loop delay',
        value: percent(loadGeneratorCpu, o.seconds),
        p50: ms(loopDelay.percentile(50) / 1e6),
        p99: ms(loopDelay.percentile(99) / 1e6),
        max: ms(loopDelay.max / 1e6),
        details: { cpuSeconds: loadGeneratorCpu, loopDelayP50Ms: loopDelay.percentile(50) / 1e6, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 },
      },
      {
        id: 'launch.ping-gaps',
        scenario: `launch ${size}`,
        metric: `ping gaps (interval ${o.agentPingIntervalSeconds} s), unreachable agents`,
        value: `${unreachable} unreachable`,
        p50: ms(gaps.median),
        p99: ms(gaps.p99),
        max: ms(Math.max(gaps.max || 0, silence)),
        target: { op: '<=', value: 0, text: '0 unreachable' },
        targetValue: unreachable,
        details: { ...gaps, longestSilenceAtEndMs: silence },
      },
    ];
  } finally {
    for (const f of frameworks) f.close();
    await cluster.close();
  }
}
