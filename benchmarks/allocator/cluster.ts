// Builders for the benchmark clusters: seeded randomness, resource lists, agent
// and framework specs, and the two implementations side by side. Resources are
// built as `Resource` objects because the reference refuses the Mesos text form
// and both implementations must get the very same input.

import { Allocator } from '@tessera/allocator';
import type { AgentSpec, AllocatorApi, AllocatorOptions, Resource, UsedResources } from '@tessera/allocator';
import { ReferenceAllocator } from '@tessera/allocator-reference';

export type Impl = 'native' | 'reference';

export function newAllocator(impl: Impl, options: AllocatorOptions = {}): AllocatorApi {
  return impl === 'native' ? new Allocator(options) : new ReferenceAllocator(options);
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; the same seed gives the same cluster. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly chosen element of `items`. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

export interface Shape {
  cpus?: number;
  mem?: number;
  disk?: number;
  /** Inclusive port intervals. */
  ports?: ReadonlyArray<readonly [number, number]>;
}

/** `{cpus: 24, mem: 4096}` → resource objects, in canonical (name) order. */
export function resources(shape: Shape): Resource[] {
  const out: Resource[] = [];
  if (shape.cpus !== undefined) out.push({ name: 'cpus', scalar: shape.cpus });
  if (shape.disk !== undefined) out.push({ name: 'disk', scalar: shape.disk });
  if (shape.mem !== undefined) out.push({ name: 'mem', scalar: shape.mem });
  if (shape.ports !== undefined) out.push({ name: 'ports', ranges: shape.ports.map(([b, e]) => [b, e] as [number, number]) });
  return out;
}

/** The agent of Mesos' DeclineOffers and cycle benchmarks: `cpus:24;mem:4096;disk:4096;ports:[31000-32000]`. */
export const MESOS_AGENT: Shape = { cpus: 24, mem: 4096, disk: 4096, ports: [[31000, 32000]] };

export const agentId = (i: number): string => `agent-${i}`;
export const frameworkId = (i: number): string => `framework-${i}`;

/** Adds `count` agents through addAgents in batches, as a master re-registering a fleet would. */
export function addAgentsInBatches(
  alloc: AllocatorApi,
  count: number,
  spec: (i: number) => AgentSpec,
  batch = 1000,
): void {
  for (let start = 0; start < count; start += batch) {
    const specs: AgentSpec[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) specs.push(spec(i));
    alloc.addAgents(specs);
  }
}

/** Adds `count` frameworks `framework-<i>` subscribed to `role(i)`. */
export function addFrameworks(alloc: AllocatorApi, count: number, role: (i: number) => string = () => '*'): void {
  for (let i = 0; i < count; i++) alloc.addFramework({ id: frameworkId(i), roles: [role(i)] });
}

/** A used-resources entry held by `framework-<fw>` under `role`. */
export function used(fw: number, role: string, shape: Shape): UsedResources {
  return { frameworkId: frameworkId(fw), role, resources: resources(shape) };
}
