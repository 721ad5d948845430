// W4 — placement: 5,000 agents of seeded random shapes (cpus 16, 32 or 64; mem
// 4 or 8 GiB per cpu), and jobs of 100 identical tasks of seeded random shape
// (cpus 0.5–4 in steps of 0.5, mem 512–8192 MiB in steps of 512), all placed
// by one place() call, binpack and spread. place() is a pure query (it plans
// over a working copy and changes nothing), so every call is the same work and
// tinybench times it as is.
//
// The jobs ask for more cpus than the cluster has (≈ 225k vs ≈ 187k), so the
// late jobs are placed in part and place() also explains their shortfall,
// agent by agent, as a master would need to report it.

import type { AllocatorApi, Placement, PlacementRequest } from '@tessera/allocator';

import { addAgentsInBatches, agentId, type Impl, mulberry32, newAllocator, pick, resources } from './cluster.js';
import { settle, tinybench } from './measure.js';
import { count, type Row } from './report.js';
import { summarize } from './stats.js';

const AGENTS = 5_000;
const TASKS_PER_JOB = 100;
const SEED = 0x5eed;
const TARGET_RATE = 500_000;

export function buildW4(impl: Impl): AllocatorApi {
  const rand = mulberry32(SEED);
  const alloc = newAllocator(impl);
  addAgentsInBatches(alloc, AGENTS, (i) => {
    const cpus = pick(rand, [16, 32, 64]);
    return { id: agentId(i), resources: resources({ cpus, mem: cpus * pick(rand, [4096, 8192]) }) };
  });
  return alloc;
}

/** The first `jobs` of the seeded job list (a prefix, so a smaller run is the start of the full one). */
export function jobs(jobs: number): PlacementRequest[] {
  const rand = mulberry32(SEED + 1);
  return Array.from({ length: jobs }, () => ({
    resources: { cpus: 0.5 * (1 + Math.floor(rand() * 8)), mem: 512 * (1 + Math.floor(rand() * 16)) },
    count: TASKS_PER_JOB,
  }));
}

export interface W4Options {
  jobs: number;
  /** Minimum native iterations per strategy, and time budget (ms). */
  iterations: number;
  time: number;
  /** Jobs for the reference (a prefix of the same list; native is timed again on it); 0 = skip. */
  referenceJobs: number;
  referenceIterations: number;
  referenceSkip?: string;
  tag?: string;
  progress?: (line: string) => void;
}

type Strategy = 'binpack' | 'spread';

async function timePlace(
  alloc: AllocatorApi,
  requests: PlacementRequest[],
  strategy: Strategy,
  iterations: number,
  time: number,
  impl: Impl,
): Promise<{ samples: number[]; placed: number; last: Placement }> {
  let last: Placement | undefined;
  const samples = await tinybench(
    `W4 ${impl} ${strategy} ${requests.length} jobs`,
    () => {
      last = alloc.place(requests, { strategy });
    },
    { iterations, time, warmupIterations: 1 },
  );
  return { samples, placed: last!.placed, last: last! };
}

/** Every assignment, in order: two implementations placed the same way iff these are equal. */
function fingerprint(p: Placement): string {
  const parts: string[] = [];
  for (const a of p) parts.push(`${a.request}:${a.agentId}:${a.count}`);
  return parts.join(',');
}

export async function runW4(options: W4Options): Promise<Row[]> {
  const say = options.progress ?? (() => {});
  await settle();
  const native = buildW4('native');
  const all = jobs(options.jobs);
  const refJobs = Math.min(options.referenceJobs, options.jobs);
  const slice = jobs(refJobs);
  let reference: AllocatorApi | undefined;
  const rows: Row[] = [];
  const tag = options.tag ? `.${options.tag}` : '';

  for (const strategy of ['binpack', 'spread'] as const) {
    say(`W4 ${strategy}: native, ${options.jobs} jobs`);
    const n = await timePlace(native, all, strategy, options.iterations, options.time, 'native');
    const stats = summarize(n.samples);
    const rate = n.placed / (stats.median / 1000);
    let ratio: number | undefined;
    let ratioSlice: string | undefined;
    let refStats;
    let refPlaced: number | undefined;
    let nativeSlice;
    if (refJobs > 0) {
      say(`W4 ${strategy}: reference, ${refJobs} jobs × ${options.referenceIterations}`);
      reference ??= buildW4('reference');
      const r = await timePlace(reference, slice, strategy, options.referenceIterations, 0, 'reference');
      refStats = summarize(r.samples);
      refPlaced = r.placed;
      const ns = refJobs === options.jobs ? n : await timePlace(native, slice, strategy, options.iterations, 0, 'native');
      nativeSlice = summarize(ns.samples);
      if (fingerprint(ns.last) !== fingerprint(r.last)) {
        throw new Error(`W4 ${strategy}: IMPLEMENTATIONS DISAGREE on ${refJobs} jobs: native placed ${ns.placed} in ${ns.last.length} assignments, reference ${r.placed} in ${r.last.length}`);
      }
      ratio = refStats.median / nativeSlice.median;
      ratioSlice = `W4 ${strategy}: the first ${count(refJobs)} jobs (${count(refJobs * TASKS_PER_JOB)} tasks) on both, identical assignments; reference ${count(r.placed / (refStats.median / 1000))}/s vs native ${count(ns.placed / (nativeSlice.median / 1000))}/s`;
    }
    rows.push({
      id: `w4.${strategy}${tag}`,
      workload: `W4 place() ${strategy}`,
      size: `${count(AGENTS)} agents, ${count(options.jobs)}×${TASKS_PER_JOB} tasks`,
      native: stats,
      cells: { median: `${stats.median.toFixed(1)} ms = ${count(rate)} placed/s` },
      reference: refStats,
      ratio,
      ratioSlice,
      referenceNote: refJobs > 0 ? undefined : options.referenceSkip,
      target: { op: '>=', value: TARGET_RATE, text: '≥ 500,000 placed/s' },
      targetValue: rate,
      notes: [
        `W4 ${strategy}: placed ${count(n.placed)} of ${count(options.jobs * TASKS_PER_JOB)} tasks per call${n.placed < options.jobs * TASKS_PER_JOB ? ' (the cluster runs out of cpus; the rest get a shortfall report)' : ''}; ${stats.samples} calls`,
      ],
      details: { agents: AGENTS, jobs: options.jobs, tasks: options.jobs * TASKS_PER_JOB, placed: n.placed, placementsPerSecond: rate, referenceJobs: refJobs, referencePlaced: refPlaced ?? null, nativeOnReferenceSlice: nativeSlice ?? null },
    });
  }
  return rows;
}
