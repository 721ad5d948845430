// W3 — Mesos' LargeAndSmallQuota (src/tests/hierarchical_allocator_benchmarks.cpp,
// QuotaParam(2500, 500, 1)): 2,500 roles smallQuotaRole<i> guaranteed and limited
// to cpus:1;mem:1024;disk:1024 (half an agent), 500 roles largeQuotaRole<i> to
// cpus:4;mem:4096;disk:4096 (two agents), one framework per role, and 3,000
// agents cpus:2;mem:2048;disk:2048. The first cycle satisfies every guarantee
// (4,500 of the 6,000 cpus) and offers the rest; the second finds nothing left.
//
// Each cycle changes the state, so every sample starts from a freshly built
// cluster: tinybench's beforeEach hook builds it (untimed) and, for the second
// cycle, also runs the first one.

import type { AllocatorApi } from '@tessera/allocator';

import { addAgentsInBatches, agentId, type Impl, newAllocator, resources } from './cluster.js';
import { heapDelta } from './memory.js';
import { collectGarbage, settle, timeMs, tinybench } from './measure.js';
import { bytes, count, type Row } from './report.js';
import { summarize } from './stats.js';

export interface W3Size {
  label: string;
  smallRoles: number;
  largeRoles: number;
}

/** Mesos' QuotaParam(2500, 500, 1), and its QuotaParam(250, 50, 1) for quick comparisons. */
export const W3_SIZES: Record<string, W3Size> = {
  '3000': { label: '3,000 roles', smallRoles: 2_500, largeRoles: 500 },
  '300': { label: '300 roles', smallRoles: 250, largeRoles: 50 },
};

/** Agents as Mesos sizes them: a fifth of an agent per small role, five per large role (so ≈ 1,500 cpus of 6,000 stay unguaranteed at 3,000 roles). */
const agentCount = (size: W3Size): number => size.smallRoles / 5 + size.largeRoles * 5;
const SMALL = { cpus: 1, mem: 1024, disk: 1024 };
const LARGE = { cpus: 4, mem: 4096, disk: 4096 };
const TARGET_MS = 100;
const MESOS_FIRST_S = 15.4;
const MESOS_SECOND_S = 13.7;

export function buildW3(impl: Impl, size: W3Size): AllocatorApi {
  const alloc = newAllocator(impl);
  const quota = (role: string, q: Record<string, number>) => alloc.setQuota(role, { guarantees: q, limits: q });
  for (let i = 0; i < size.smallRoles; i++) {
    alloc.addFramework({ id: `framework_small_${i}`, roles: [`smallQuotaRole${i}`] });
    quota(`smallQuotaRole${i}`, SMALL);
  }
  for (let i = 0; i < size.largeRoles; i++) {
    alloc.addFramework({ id: `framework_large_${i}`, roles: [`largeQuotaRole${i}`] });
    quota(`largeQuotaRole${i}`, LARGE);
  }
  addAgentsInBatches(alloc, agentCount(size), (i) => ({ id: agentId(i), resources: resources({ cpus: 2, mem: 2048, disk: 2048 }) }));
  return alloc;
}

export interface W3Options {
  sizeKey: string;
  /** Fresh clusters per native measurement (first and second cycle each). */
  repeats: number;
  /** Run the reference once (both cycles). */
  reference: boolean;
  referenceSkip?: string;
  progress?: (line: string) => void;
}

export async function runW3(options: W3Options): Promise<Row[]> {
  const size = W3_SIZES[options.sizeKey]!;
  const agents = agentCount(size);
  const say = options.progress ?? (() => {});
  let alloc: AllocatorApi | undefined;
  const offers = [0, 0];

  await settle();
  const [heap] = heapDelta(() => buildW3('native', size));

  say(`W3 ${size.label}: native, ${options.repeats} fresh clusters per cycle`);
  const fresh = () => {
    alloc = undefined;
    collectGarbage();
    alloc = buildW3('native', size);
  };
  const first = await tinybench(
    'W3 first cycle',
    () => {
      const c = alloc!.allocate(0);
      offers[0] = c.length;
    },
    { iterations: options.repeats, warmupIterations: 1, beforeEach: fresh },
  );
  const second = await tinybench(
    'W3 second cycle',
    () => {
      const c = alloc!.allocate(1000);
      offers[1] = c.length;
    },
    {
      iterations: options.repeats,
      warmupIterations: 1,
      beforeEach: () => {
        fresh();
        alloc!.allocate(0);
      },
    },
  );
  alloc = undefined;
  if (offers[1] !== 0) throw new Error(`W3 ${size.label}: the second cycle made ${offers[1]} offers; every resource should be offered by the first`);

  let ref: [number, number] | undefined;
  let refOffers: number | undefined;
  if (options.reference) {
    say(`W3 ${size.label}: reference, once`);
    collectGarbage();
    const reference = buildW3('reference', size);
    const [a, c1] = timeMs(() => reference.allocate(0));
    const [b] = timeMs(() => reference.allocate(1000));
    ref = [a, b];
    refOffers = c1.length;
  }
  const mismatch = refOffers !== undefined && refOffers !== offers[0] ? [`IMPLEMENTATIONS DISAGREE: native made ${offers[0]} offers, reference ${refOffers}`] : [];
  const sizeText = `${size.label}, ${count(agents)} agents`;
  const f = summarize(first);
  const s = summarize(second);
  const ratioSlice = `W3 ${size.label}: one reference run vs the median of fresh native runs (each cycle is the same work on an identical fresh cluster)`;
  return [
    {
      id: `w3.${options.sizeKey}.first`,
      workload: 'W3 LargeAndSmallQuota 1st',
      size: sizeText,
      native: f,
      ...(ref ? { reference: summarize([ref[0]]), ratio: ref[0] / f.median, ratioSlice } : { referenceNote: options.referenceSkip }),
      memory: `heap ${bytes(heap)}`,
      target: options.sizeKey === '3000' ? { op: '<=', value: TARGET_MS, text: `≤ ${TARGET_MS} ms` } : undefined,
      notes: [
        `W3 ${size.label}: first cycle made ${count(offers[0]!)} offers, second 0; median of ${f.samples} fresh clusters each${options.sizeKey === '3000' ? `; Mesos ≈ ${MESOS_FIRST_S} s and ${MESOS_SECOND_S} s` : ''}`,
        ...mismatch,
      ],
      details: { roles: size.smallRoles + size.largeRoles, agents, offersFirst: offers[0], referenceMs: ref ?? null, heapBytesAfterSetup: heap },
    },
    {
      id: `w3.${options.sizeKey}.second`,
      workload: 'W3 LargeAndSmallQuota 2nd',
      size: sizeText,
      native: s,
      ...(ref ? { reference: summarize([ref[1]]), ratio: ref[1] / s.median, ratioSlice } : { referenceNote: options.referenceSkip }),
    },
  ];
}
