// Resource objects as the API returns them: canonical order, and only the
// fields that say something (no `reservation` when unreserved, `revocable`
// only when true) — the same shape as the reference allocator returns.

import type { Quantities, Resource } from './types.js';

interface LooseResource {
  name: string;
  scalar?: number | null;
  ranges?: ReadonlyArray<ReadonlyArray<number>> | null;
  reservation?: string | null;
  revocable?: boolean | null;
}

export function cleanResource(r: LooseResource): Resource {
  const out: Resource = { name: r.name };
  if (r.scalar !== undefined && r.scalar !== null) out.scalar = r.scalar;
  if (r.ranges !== undefined && r.ranges !== null) out.ranges = r.ranges.map(([b, e]) => [b!, e!]);
  if (r.reservation !== undefined && r.reservation !== null) out.reservation = r.reservation;
  if (r.revocable) out.revocable = true;
  return out;
}

/** By name, unreserved first then by role, non-revocable first. */
export function compareResources(a: Resource, b: Resource): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ra = a.reservation ?? '';
  const rb = b.reservation ?? '';
  if (ra !== rb) {
    if (ra === '') return -1;
    if (rb === '') return 1;
    return ra < rb ? -1 : 1;
  }
  return Number(a.revocable ?? false) - Number(b.revocable ?? false);
}

export function cleanResources(list: readonly LooseResource[]): Resource[] {
  return list.map(cleanResource).sort(compareResources);
}

/** A quantities object with its keys in name order. */
export function sortedQuantities(q: Record<string, number>): Quantities {
  const out: Quantities = {};
  for (const k of Object.keys(q).sort()) out[k] = q[k]!;
  return out;
}
