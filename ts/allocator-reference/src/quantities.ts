// Scalar quantities by resource name, in thousandths. Entries may hold zero
// internally; zero entries vanish when a quantity leaves the API.

import type { Quantities as ApiQuantities } from '@tessera/allocator/types';
import { fromThousandths } from './units.js';

export type Quantities = Map<string, number>;

export function get(q: ReadonlyMap<string, number>, name: string): number {
  return q.get(name) ?? 0;
}

/** `target += sign × q`. */
export function addInto(target: Quantities, q: ReadonlyMap<string, number>, sign: 1 | -1 = 1): void {
  for (const [name, t] of q) {
    if (t !== 0) target.set(name, (target.get(name) ?? 0) + sign * t);
  }
}

export function hasPositive(q: ReadonlyMap<string, number>): boolean {
  for (const t of q.values()) if (t > 0) return true;
  return false;
}

/**
 * DRF share: the largest fraction of the cluster total over the names the
 * cluster has. Computed on the integer thousandths as doubles, exactly as the
 * Rust core does it, so that both order candidates identically.
 */
export function share(q: ReadonlyMap<string, number>, clusterTotal: ReadonlyMap<string, number>): number {
  let max = 0;
  for (const [name, total] of clusterTotal) {
    if (total <= 0) continue;
    const s = get(q, name) / total;
    if (s > max) max = s;
  }
  return max;
}

/** Non-zero entries, keys ascending, values in API units. */
export function toApiQuantities(q: ReadonlyMap<string, number>): ApiQuantities {
  const out: ApiQuantities = {};
  for (const name of [...q.keys()].sort()) {
    const t = q.get(name)!;
    if (t !== 0) out[name] = fromThousandths(t);
  }
  return out;
}

/** Like toApiQuantities but keeping zero entries (a limit of 0 is a real limit). */
export function toApiQuantitiesKeepingZeros(q: ReadonlyMap<string, number>): ApiQuantities {
  const out: ApiQuantities = {};
  for (const name of [...q.keys()].sort()) out[name] = fromThousandths(q.get(name)!);
  return out;
}
