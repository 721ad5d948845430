// One benchmark cluster: a temp work dir, the master in its child process, a
// fleet of simulated agents, and the master's memory and CPU as /proc tells.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseResources } from '@tessera/allocator';
import { fromAllocatorResources, type Resource } from '@tessera/common';

import { onCleanup, removeDirOnCleanup } from './cleanup.js';
import { spawnMaster, type MasterChild } from './master-child.js';
import { cpuSecondsOf, memoryOf } from './proc.js';
import { SimAgentFleet } from './sim-agent.js';

/** What every simulated agent registers with (the agent). */
export const AGENT_RESOURCES = 'cpus:8;mem:32768;disk:65536;ports:[31000-32000]';

export function resources(text: string, field: string): Resource[] {
  try {
    return fromAllocatorResources(parseResources(text));
  } catch (err) {
    throw new TypeError(`${field}: ${(err as Error).message} (got ${JSON.stringify(text)})`);
  }
}

export interface ClusterOptions {
  agentPingIntervalSeconds: number;
  maxAgentPingTimeouts: number;
  agentsPerConnection: number;
  registry: 'file' | 'memory';
  /** Simulated agents send an event-loop turn's updates as one status_updates message. */
  batchUpdates: boolean;
  allocationDelayMs?: number;
  cpuProfileDir?: string;
  progress: (line: string) => void;
}

export interface Cluster {
  master: MasterChild;
  fleet: SimAgentFleet;
  workDir: string;
  /** Registers `count` more agents, `batch` streams at a time; returns the seconds it took. */
  addAgents(count: number, batch: number): Promise<number>;
  /** Master RSS now and peak so far (VmHWM), bytes. */
  memory(): { rss: number; peakRss: number };
  cpuSeconds(): number;
  /** GET /state from the master's HTTP server. */
  state(): Promise<MasterState>;
  close(): Promise<void>;
}

/** The part of the master's /state the benchmark reads. */
export interface MasterState {
  agents: Array<{ id: string; state: string }>;
  frameworks: Array<{ id: string; taskCount: number }>;
  tasks: unknown[];
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-e2e-'));
  // Unregistering functions: close() does the work itself, in order.
  const removeDir = removeDirOnCleanup(workDir);
  const master = await spawnMaster({
    settings: {
      workDir,
      agentPingIntervalSeconds: options.agentPingIntervalSeconds,
      maxAgentPingTimeouts: options.maxAgentPingTimeouts,
      registry: options.registry,
      ...(options.allocationDelayMs !== undefined ? { allocationDelayMs: options.allocationDelayMs } : {}),
    },
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const stopMaster = onCleanup('stop the master', () => master.stop(), () => master.kill());
  options.progress(`master ${master.pid} (${options.registry} registry) at ${master.grpcAddress} (http ${master.httpAddress}), work dir ${workDir}`);

  const fleet = new SimAgentFleet({
    master: master.grpcAddress,
    resources: resources(AGENT_RESOURCES, 'agent resources'),
    agentsPerConnection: options.agentsPerConnection,
    resendAfterMs: 10_000,
    batchUpdates: options.batchUpdates,
  });
  const closeFleet = onCleanup('close the simulated agents', () => fleet.close(), () => fleet.close());

  const cluster: Cluster = {
    master,
    fleet,
    workDir,
    async addAgents(count, batch) {
      const t0 = performance.now();
      let lastReport = t0;
      for (let done = 0; done < count; ) {
        const n = Math.min(batch, count - done);
        const pending: Array<Promise<string>> = [];
        for (let i = 0; i < n; i++) pending.push(fleet.register());
        await Promise.all(pending);
        done += n;
        const now = performance.now();
        if (now - lastReport >= 2000 || done === count) {
          lastReport = now;
          const rate = done / ((now - t0) / 1000);
          options.progress(`agents registered: ${done}/${count} (${rate.toFixed(0)}/s), master RSS ${(memoryOf(master.pid).rss / 2 ** 20).toFixed(0)} MiB`);
        }
      }
      return (performance.now() - t0) / 1000;
    },
    memory: () => memoryOf(master.pid),
    cpuSeconds: () => cpuSecondsOf(master.pid),
    async state() {
      const res = await fetch(`http://${master.httpAddress}/state`);
      if (!res.ok) throw new Error(`GET /state: HTTP ${res.status}`);
      return (await res.json()) as MasterState;
    },
    async close() {
      closeFleet();
      fleet.close();
      stopMaster();
      await master.stop();
      removeDir();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
