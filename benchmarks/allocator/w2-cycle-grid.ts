// W2 — one full allocation cycle over a grid of cluster sizes (Mesos'
// hierarchical allocator benchmarks, as quoted for Mesos 1.8): A agents
// cpus:24;mem:4096;disk:4096;ports:[31000-32000], F frameworks in role '*', no
// used resources, no filters. One allocate() offers every agent. Between
// iterations a beforeEach hook rescinds every offer (untimed), which returns the
// allocator to exactly the state before the cycle: a steady state, so tinybench
// times it.

import type { Allocation, AllocatorApi } from '@tessera/allocator';

import { addAgentsInBatches, addFrameworks, agentId, type Impl, MESOS_AGENT, newAllocator, resources } from './cluster.js';
import { heapDelta } from './memory.js';
import { collectGarbage, settle, tinybench } from './measure.js';
import { bytes, count, type Row } from './report.js';
import { summarize } from './stats.js';

export interface W2Size {
  label: string;
  agents: number;
  frameworks: number;
  /** Mesos 1.8's published time for one cycle, seconds. */
  mesosS: number;
}

export const W2_SIZES: Record<string, W2Size> = {
  '1k-100': { label: '1k / 100', agents: 1_000, frameworks: 100, mesosS: 0.05 },
  '5k-500': { label: '5k / 500', agents: 5_000, frameworks: 500, mesosS: 0.4 },
  '10k-1k': { label: '10k / 1k', agents: 10_000, frameworks: 1_000, mesosS: 1.1 },
  '20k-2k': { label: '20k / 2k', agents: 20_000, frameworks: 2_000, mesosS: 3.8 },
};

const TARGET_MS: Record<string, number> = { '20k-2k': 20 };

export function buildW2(impl: Impl, size: W2Size): AllocatorApi {
  const alloc = newAllocator(impl);
  addFrameworks(alloc, size.frameworks);
  addAgentsInBatches(alloc, size.agents, (i) => ({ id: agentId(i), resources: resources(MESOS_AGENT) }));
  return alloc;
}

/** tinybench samples (ms) of a full cycle on `alloc`; checks every cycle offers every agent. */
async function cycles(name: string, alloc: AllocatorApi, size: W2Size, iterations: number, time: number): Promise<number[]> {
  let last: Allocation | undefined;
  let now = 0;
  const samples = await tinybench(
    name,
    () => {
      last = alloc.allocate(now);
    },
    {
      iterations,
      time,
      warmupIterations: 1,
      beforeEach: () => {
        // Back to the state before the cycle: no offers outstanding.
        if (last) alloc.rescind(last.offerIds);
        last = undefined;
        now += 1000;
      },
    },
  );
  if (last && last.length !== size.agents) throw new Error(`${name}: a cycle made ${last.length} offers, expected one per agent (${size.agents})`);
  return samples;
}

export interface W2Options {
  sizeKey: string;
  /** Minimum native iterations and time budget (ms). */
  iterations: number;
  time: number;
  /** Reference iterations; 0 = skip. */
  referenceIterations: number;
  referenceSkip?: string;
  progress?: (line: string) => void;
}

export async function runW2(options: W2Options): Promise<Row[]> {
  const size = W2_SIZES[options.sizeKey]!;
  const say = options.progress ?? (() => {});
  await settle();
  say(`W2 ${size.label}: native`);
  const [heap, native] = heapDelta(() => buildW2('native', size));
  const nativeSamples = await cycles(`W2 ${size.label} native`, native, size, options.iterations, options.time);
  const nativeStats = summarize(nativeSamples);

  let refStats;
  if (options.referenceIterations > 0) {
    collectGarbage();
    say(`W2 ${size.label}: reference, ${options.referenceIterations} iterations`);
    const reference = buildW2('reference', size);
    refStats = summarize(await cycles(`W2 ${size.label} reference`, reference, size, options.referenceIterations, 0));
  }
  const target = TARGET_MS[options.sizeKey];
  return [
    {
      id: `w2.${options.sizeKey}.cycle`,
      workload: 'W2 cycle allocate()',
      size: `${size.label}, ${count(size.agents)} offers`,
      native: nativeStats,
      ...(refStats
        ? { reference: refStats, ratio: refStats.median / nativeStats.median, ratioSlice: `W2 ${size.label}: full cycles, ${nativeStats.samples} native vs ${refStats.samples} reference iterations` }
        : { referenceNote: options.referenceSkip }),
      memory: `heap ${bytes(heap)}`,
      target: target !== undefined ? { op: '<=', value: target, text: `≤ ${target} ms` } : undefined,
      notes: [`W2 ${size.label}: Mesos 1.8 ≈ ${size.mesosS} s per cycle; native ${nativeStats.samples} iterations`],
      details: { agents: size.agents, frameworks: size.frameworks, mesosSeconds: size.mesosS, heapBytesAfterSetup: heap },
    },
  ];
}
