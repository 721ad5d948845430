// Random clusters and operation sequences for the differential and property
// tests. Everything an operation needs is chosen from the `Random` and from
// what the allocator under test reports (outstanding offers, used resources),
// so two allocators that agree keep receiving the same operations.

import type {
  AgentSpec,
  AllocatorApi,
  Capability,
  ConstraintGroups,
  FrameworkSpec,
  Offer,
  PlacementRequest,
  QuotaSpec,
  Resource,
} from '@tessera/allocator/types';

import { Random } from './random.ts';

export const ROLES = ['*', 'eng', 'eng/ml', 'eng/web', 'ops', 'ops/db'] as const;
const RACKS = ['r1', 'r2', 'r3'];

function scalar(rng: Random, lo: number, hi: number, step: number): number {
  return Math.round((lo + Math.floor(rng.next() * ((hi - lo) / step + 1)) * step) * 1000) / 1000;
}

export function agentSpec(rng: Random, id: string): AgentSpec {
  const resources: Resource[] = [
    { name: 'cpus', scalar: scalar(rng, 1, 16, 0.5) },
    { name: 'mem', scalar: scalar(rng, 256, 8192, 256) },
  ];
  if (rng.chance(0.7)) resources.push({ name: 'disk', scalar: scalar(rng, 1024, 16384, 1024) });
  if (rng.chance(0.6)) {
    const begin = 31000 + rng.int(0, 50);
    resources.push({ name: 'ports', ranges: [[begin, begin + rng.int(0, 20)]] });
  }
  if (rng.chance(0.15)) resources.push({ name: 'gpus', scalar: rng.int(1, 4) });
  if (rng.chance(0.25)) {
    const role = rng.pick(['eng', 'eng/ml', 'ops']);
    resources.push({ name: 'cpus', scalar: scalar(rng, 0.5, 4, 0.5), reservation: role });
    if (rng.chance(0.5)) resources.push({ name: 'mem', scalar: scalar(rng, 128, 2048, 128), reservation: role });
  }
  if (rng.chance(0.15)) resources.push({ name: 'cpus', scalar: scalar(rng, 0.5, 4, 0.5), revocable: true });
  const spec: AgentSpec = { id, resources, attributes: { rack: rng.pick(RACKS) } };
  if (rng.chance(0.3)) spec.attributes!.ssd = rng.int(0, 1);
  if (rng.chance(0.5)) spec.hostname = `host-${id}`;
  return spec;
}

export function constraintGroups(rng: Random): ConstraintGroups {
  const options: ConstraintGroups = [
    [{ attribute: 'rack', op: 'equals', value: rng.pick(RACKS) }],
    [{ attribute: 'rack', op: 'notEquals', value: rng.pick(RACKS) }],
    [{ attribute: 'ssd', op: 'exists' }],
    [{ attribute: 'ssd', op: 'equals', value: '1' }],
    [{ hostname: true, op: 'matches', value: 'host-.*' }],
    [{ attribute: 'rack', op: 'matches', value: 'r[12]' }, { attribute: 'ssd', op: 'notExists' }],
  ];
  return rng.chance(0.3) ? [rng.pick(options), rng.pick(options)] : [rng.pick(options)];
}

export function frameworkSpec(rng: Random, id: string): FrameworkSpec {
  const roles = [...new Set(rng.subset(ROLES, 0.35))];
  if (roles.length === 0) roles.push(rng.pick(ROLES));
  const capabilities: Capability[] = [];
  if (rng.chance(0.4)) capabilities.push('GPU_RESOURCES');
  if (rng.chance(0.4)) capabilities.push('REVOCABLE_RESOURCES');
  const spec: FrameworkSpec = { id, roles, capabilities };
  if (rng.chance(0.2)) {
    const role = rng.pick(roles);
    spec.minAllocatable = { [role]: rng.chance(0.5) ? [{ cpus: 2 }] : [{ cpus: 1, mem: 1024 }, { ports: 2 }] };
  }
  if (rng.chance(0.25)) spec.offerConstraints = { [rng.pick(roles)]: constraintGroups(rng) };
  if (rng.chance(0.1)) spec.suppressedRoles = [rng.pick(roles)];
  return spec;
}

export function quotaSpec(rng: Random, role: string): QuotaSpec | null {
  if (rng.chance(0.2)) return null;
  const top = !role.includes('/');
  const q: QuotaSpec = {};
  if (top && rng.chance(0.7)) q.guarantees = { cpus: scalar(rng, 1, 12, 1), mem: scalar(rng, 512, 8192, 512) };
  if (rng.chance(0.6)) {
    q.limits = { cpus: scalar(rng, 2, 24, 1) };
    if (rng.chance(0.5)) q.limits.mem = scalar(rng, 1024, 16384, 1024);
  }
  return q;
}

/** About half of an offer, still contained in it. */
export function partOf(rng: Random, offer: Offer): Resource[] {
  const out: Resource[] = [];
  for (const r of offer.resources) {
    if (!rng.chance(0.7)) continue;
    if (r.scalar !== undefined) {
      const v = r.name === 'gpus' ? Math.floor(r.scalar / 2) : Math.floor(r.scalar * 500) / 1000;
      if (v > 0) out.push({ ...r, scalar: v });
    } else if (r.ranges) {
      const [b] = r.ranges[0]!;
      out.push({ ...r, ranges: [[b, b]] });
    }
  }
  return out;
}

export function placementRequests(rng: Random): PlacementRequest[] {
  const n = rng.int(1, 4);
  return Array.from({ length: n }, () => {
    const r: PlacementRequest = {
      resources: { cpus: scalar(rng, 0.5, 4, 0.5), mem: scalar(rng, 128, 2048, 128) },
      count: rng.int(1, 12),
    };
    if (rng.chance(0.3)) r.resources.ports = rng.int(1, 3);
    if (rng.chance(0.1)) r.resources.gpus = 1;
    if (rng.chance(0.4)) r.role = rng.pick(ROLES);
    if (rng.chance(0.2)) r.constraints = constraintGroups(rng);
    if (rng.chance(0.3)) r.maxPerAgent = rng.int(1, 3);
    if (rng.chance(0.2)) r.gpuAware = true;
    return r;
  });
}

/** One operation on an allocator: a name for failure messages, and a call. */
export interface Op {
  name: string;
  run(alloc: AllocatorApi): unknown;
}

/** The world the operations draw ids from, kept by the test as it goes. */
export class World {
  agents: string[] = [];
  frameworks: string[] = [];
  offers: Offer[] = [];
  now = 1_000_000;
  #next = 0;

  constructor(readonly rng: Random) {}

  newId(prefix: string): string {
    return `${prefix}${this.#next++}`;
  }
}
