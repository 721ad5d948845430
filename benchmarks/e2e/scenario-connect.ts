// Scenario "connect": N simulated agents connect (ramped in batches), then
// hold their streams for a while with the master pinging every interval. It
// measures the registration rate, the master's memory with N agents, and
// heartbeat punctuality: the gaps between pings each agent sees, against the
// configured interval, and how many agents the master marked unreachable.

import { monitorEventLoopDelay } from 'node:perf_hooks';

import { bytes, count, ms } from '../allocator/report.js';
import { startCluster } from './cluster.js';
import type { E2eRow } from './report.js';
import { percent } from './scenario-launch.js';
import { sleep } from './time.js';

export interface ConnectOptions {
  agents: number;
  holdSeconds: number;
  agentPingIntervalSeconds: number;
  maxAgentPingTimeouts: number;
  agentsPerConnection: number;
  registerBatch: number;
  registry: 'file' | 'memory';
  progress: (line: string) => void;
}

export const RSS_TARGET_BYTES = 2 ** 30;
/** "On time": the p99 gap between two pings at most this much over the interval. */
export const PING_P99_SLACK = 1.25;

export async function runConnect(o: ConnectOptions): Promise<E2eRow[]> {
  const cluster = await startCluster({
    agentPingIntervalSeconds: o.agentPingIntervalSeconds,
    maxAgentPingTimeouts: o.maxAgentPingTimeouts,
    agentsPerConnection: o.agentsPerConnection,
    registry: o.registry,
    batchUpdates: true, // no tasks here: nothing to batch
    progress: o.progress,
  });
  try {
    const rampSeconds = await cluster.addAgents(o.agents, o.registerBatch);
    const afterRamp = cluster.memory();
    o.progress(`holding ${count(o.agents)} agents for ${o.holdSeconds} s (pings every ${o.agentPingIntervalSeconds} s)`);
    // Gaps are recorded from here on: the ramp's own load is behind us.
    cluster.fleet.recordPings = true;
    // The gaps are seen by the load generator: its own event-loop delay is part of them.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu0 = cluster.cpuSeconds();
    const self0 = process.cpuUsage();
    const pongs0 = cluster.fleet.counters.pongs;
    const end = performance.now() + o.holdSeconds * 1000;
    let peakSampled = 0;
    while (performance.now() < end) {
      await sleep(Math.min(5000, end - performance.now()));
      if (cluster.master.exited) throw new Error('the master exited during the hold');
      const m = cluster.memory();
      peakSampled = Math.max(peakSampled, m.rss);
      const gaps = cluster.fleet.pingGaps.stats();
      o.progress(`hold: master RSS ${bytes(m.rss)}, ping gaps p99 ${ms(gaps.p99)} max ${ms(gaps.max)}, disconnects ${cluster.fleet.counters.disconnects}`);
    }
    const cpu1 = cluster.cpuSeconds();
    const self1 = process.cpuUsage(self0);
    loopDelay.disable();
    const memory = cluster.memory();
    const silence = cluster.fleet.longestSilenceMs(performance.now());
    const neverPinged = cluster.fleet.neverPinged();
    const state = await cluster.state();
    const byState = new Map<string, number>();
    for (const a of state.agents) byState.set(a.state, (byState.get(a.state) ?? 0) + 1);
    const unreachable = state.agents.length - (byState.get('active') ?? 0);
    const gaps = cluster.fleet.pingGaps.stats();
    const intervalMs = o.agentPingIntervalSeconds * 1000;
    const pingsPerSecond = (cluster.fleet.counters.pongs - pongs0) / o.holdSeconds;
    const size = `${count(o.agents)} agents, ${o.registry} registry`;
    const notes = [
      ...(cluster.fleet.counters.disconnects ? [`${cluster.fleet.counters.disconnects} agent streams broke`] : []),
      ...(neverPinged ? [`${neverPinged} agents never pinged`] : []),
    ];
    return [
      {
        id: 'connect.registration-rate',
        scenario: `connect ${size}`,
        metric: `registrations/s (batches of ${o.registerBatch})`,
        value: `${count(o.agents / rampSeconds)}/s`,
        p50: ms(cluster.fleet.registrationMs.stats().median),
        p99: ms(cluster.fleet.registrationMs.stats().p99),
        max: ms(cluster.fleet.registrationMs.stats().max),
        details: { rampSeconds, registrationMs: cluster.fleet.registrationMs.stats(), rssAfterRamp: afterRamp.rss },
      },
      {
        id: 'connect.master-rss',
        scenario: `connect ${size}`,
        metric: 'master RSS at end (peak)',
        value: `${bytes(memory.rss)} (${bytes(memory.peakRss)})`,
        target: { op: '<=', value: RSS_TARGET_BYTES, text: '≤ 1 GiB' },
        targetValue: memory.peakRss,
        details: { ...memory, rssAfterRamp: afterRamp.rss, peakSampledDuringHold: peakSampled },
      },
      {
        id: 'connect.ping-gaps',
        scenario: `connect ${size}`,
        metric: `ping gaps (interval ${o.agentPingIntervalSeconds} s, ${count(pingsPerSecond)} pings/s)`,
        value: `${count(gaps.samples)} gaps`,
        p50: ms(gaps.median),
        p99: ms(gaps.p99),
        max: ms(Math.max(gaps.max || 0, silence)),
        target: { op: '<=', value: intervalMs * PING_P99_SLACK, text: `p99 ≤ ${ms(intervalMs * PING_P99_SLACK)}` },
        targetValue: gaps.p99,
        notes,
        details: { ...gaps, longestSilenceAtEndMs: silence, pingsPerSecond, neverPinged },
      },
      {
        id: 'connect.unreachable',
        scenario: `connect ${size}`,
        metric: 'agents marked unreachable',
        value: `${count(unreachable)} of ${count(state.agents.length)}`,
        target: { op: '<=', value: 0, text: '0' },
        targetValue: state.agents.length === o.agents ? unreachable : Infinity,
        details: { byState: Object.fromEntries(byState), agentsInState: state.agents.length },
      },
      {
        id: 'connect.master-cpu',
        scenario: `connect ${size}`,
        metric: 'master CPU while holding',
        value: percent(cpu1 - cpu0, o.holdSeconds),
        details: { cpuSeconds: cpu1 - cpu0, holdSeconds: o.holdSeconds },
      },
      {
        id: 'connect.load-generator',
        scenario: `connect ${size}`,
        metric: 'load generator CPU; its event-loop delay',
        value: percent((self1.user + self1.system) / 1e6, o.holdSeconds),
        p50: ms(loopDelay.percentile(50) / 1e6),
        p99: ms(loopDelay.percentile(99) / 1e6),
        max: ms(loopDelay.max / 1e6),
        details: {
          cpuSeconds: (self1.user + self1.system) / 1e6,
          loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
          loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
          loopDelayMaxMs: loopDelay.max / 1e6,
        },
      },
    ];
  } finally {
    await cluster.close();
  }
}
