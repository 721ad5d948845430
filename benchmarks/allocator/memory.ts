// Memory: bytes the native allocator holds per agent. heapBytes() counts every
// byte the addon's Rust heap holds (a counting global allocator), so deltas
// around "add 50,000 agents" are exact, not RSS guesses.
//
// "Beyond its resources": an agent keeps its resources twice (total and free)
// plus their scalar quantities; what that costs depends on the resource list,
// not on the allocator's bookkeeping. We estimate it by measurement: the same
// 50,000 agents are added again with one scalar resource only (cpus:1); the
// difference is what the three extra resources cost, and one scalar's share
// (the 2-scalar minus 1-scalar agent) stands in for the cpus entry that both
// shapes carry. Bytes per agent beyond its resources = full − resources.
//
// The JS wrapper also keeps an id ↔ handle map per agent on the V8 heap; that
// is reported beside it (V8 heapUsed after a full GC), since the target is
// about the allocator's own bookkeeping.

import { heapBytes } from '@tessera/allocator';
import type { AllocatorApi } from '@tessera/allocator';

import { addAgentsInBatches, addFrameworks, agentId, type Impl, MESOS_AGENT, newAllocator, resources, type Shape } from './cluster.js';
import { collectGarbage, hasGc, settle } from './measure.js';
import { bytes, count, type Row } from './report.js';

export const heapNow = (): number => heapBytes();

/** Native heap bytes `build` leaves allocated, and what it built (alive until measured). */
export function heapDelta<T>(build: () => T): [bytes: number, built: T] {
  const before = heapNow();
  const built = build();
  return [heapNow() - before, built];
}

const AGENTS = 50_000;
const TARGET_BYTES = 1024;

interface Delta {
  nativeBytes: number;
  jsBytes: number;
}

/** Native and V8 heap growth while `build` runs; the result is kept alive until measured. */
async function measure(build: () => unknown): Promise<Delta & { kept: unknown }> {
  // Earlier allocators must be gone before the baseline, or their finalizers
  // would free native memory inside this measurement.
  await settle();
  const native0 = heapNow();
  const js0 = process.memoryUsage().heapUsed;
  const kept = build();
  collectGarbage();
  return { nativeBytes: heapNow() - native0, jsBytes: process.memoryUsage().heapUsed - js0, kept };
}

function agents(impl: Impl, shape: Shape, n = AGENTS): AllocatorApi {
  const alloc = newAllocator(impl);
  addAgentsInBatches(alloc, n, (i) => ({ id: agentId(i), resources: resources(shape) }));
  return alloc;
}

export interface MemoryOptions {
  /** Also measure the W2 20k/2k cluster (20,000 agents, 2,000 frameworks) and its first cycle. */
  w2: boolean;
  /** Measure the reference's V8 heap for the same 50k agents. */
  reference: boolean;
  referenceSkip?: string;
}

export async function runMemory(options: MemoryOptions): Promise<Row[]> {
  const full = await measure(() => agents('native', MESOS_AGENT));
  const fullPerAgent = full.nativeBytes / AGENTS;
  full.kept = undefined;
  const one = await measure(() => agents('native', { cpus: 1 }));
  one.kept = undefined;
  const two = await measure(() => agents('native', { cpus: 1, mem: 1 }));
  two.kept = undefined;
  const onePerAgent = one.nativeBytes / AGENTS;
  const scalarBytes = (two.nativeBytes - one.nativeBytes) / AGENTS;
  const resourceBytes = fullPerAgent - onePerAgent + scalarBytes;
  const beyond = fullPerAgent - resourceBytes;

  let refNote: string | undefined;
  let ratio: number | undefined;
  let refPerAgent: number | undefined;
  if (options.reference && hasGc()) {
    const ref = await measure(() => agents('reference', MESOS_AGENT));
    ref.kept = undefined;
    refPerAgent = ref.jsBytes / AGENTS;
    ratio = refPerAgent / (fullPerAgent + full.jsBytes / AGENTS);
  } else {
    refNote = hasGc() ? (options.referenceSkip ?? 'skipped') : 'needs node --expose-gc (npm run bench passes it)';
  }

  const rows: Row[] = [
    {
      id: 'memory.50k.per-agent',
      workload: 'Memory per agent',
      size: `${count(AGENTS)} agents, 0 fw`,
      cells: { median: `${count(fullPerAgent)} B/agent`, p99: '' },
      ratio,
      ratioSlice: ratio === undefined ? undefined : `memory: reference V8 bytes/agent ÷ native (Rust heap + wrapper's V8 bytes)/agent`,
      referenceNote: refNote,
      memory: `${count(beyond)} B beyond resources`,
      target: { op: '<=', value: TARGET_BYTES, text: '≤ 1 KiB/agent beyond resources' },
      targetValue: beyond,
      notes: [
        `Memory: native Rust heap ${count(fullPerAgent)} B/agent for cpus:24;mem:4096;disk:4096;ports:[31000-32000]; ` +
          `resources ≈ ${count(resourceBytes)} B/agent (measured: 1-scalar agent ${count(onePerAgent)} B, +1 scalar ${count(scalarBytes)} B), ` +
          `so ${count(beyond)} B/agent beyond its resources; the JS wrapper's id maps add ${hasGc() ? count(full.jsBytes / AGENTS) : '?'} B/agent of V8 heap` +
          (refPerAgent !== undefined ? `; the reference holds ${count(refPerAgent)} B/agent of V8 heap` : ''),
      ],
      details: {
        agents: AGENTS,
        nativeBytesPerAgent: fullPerAgent,
        wrapperJsBytesPerAgent: hasGc() ? full.jsBytes / AGENTS : null,
        oneScalarAgentBytes: onePerAgent,
        twoScalarAgentBytes: two.nativeBytes / AGENTS,
        scalarEntryBytes: scalarBytes,
        resourcesBytesEstimate: resourceBytes,
        beyondResourcesBytes: beyond,
        referenceJsBytesPerAgent: refPerAgent ?? null,
      },
    },
  ];

  if (options.w2) {
    // The W2 20k/2k cluster: frameworks cost too, so per agent grows; then one
    // cycle puts 20,000 offers (and their resources) on the heap.
    let alloc: AllocatorApi | undefined;
    const setup = await measure(() => {
      alloc = newAllocator('native');
      addFrameworks(alloc, 2_000);
      addAgentsInBatches(alloc, 20_000, (i) => ({ id: agentId(i), resources: resources(MESOS_AGENT) }));
      return alloc;
    });
    const heapSetup = heapNow();
    const cycle = alloc!.allocate(0);
    const offered = heapNow() - heapSetup;
    rows.push({
      id: 'memory.w2-20k.per-agent',
      workload: 'Memory per agent',
      size: '20k agents, 2k fw (W2)',
      cells: { median: `${count(setup.nativeBytes / 20_000)} B/agent`, p99: '' },
      memory: `+${count(offered / cycle.length)} B/offer`,
      notes: [
        `Memory, W2 20k/2k: ${bytes(setup.nativeBytes)} after setup (${count(setup.nativeBytes / 20_000)} B/agent, frameworks included); ` +
          `one cycle of ${count(cycle.length)} offers adds ${bytes(offered)} (${count(offered / cycle.length)} B/offer)`,
      ],
      details: { setupBytes: setup.nativeBytes, offers: cycle.length, offeredBytes: offered },
    });
    alloc = undefined;
  }
  return rows;
}
