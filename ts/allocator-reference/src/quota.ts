// Quota arithmetic (SEMANTICS.md, "Quota"): what a role still needs to reach its
// guarantees, how much more its limits (and its ancestors') let it consume, and
// how much of the cluster must be held back for other roles' guarantees.

import type { Cluster } from './cluster.js';
import { get } from './quantities.js';
import type { Quantities } from './quantities.js';
import { parentOf, selfAndAncestors } from './roles.js';
import type { RoleState } from './state.js';

/** unsatisfied(R): the positive part of guarantee − consumed, per guaranteed name. */
export function unsatisfied(state: RoleState | undefined): Quantities {
  const out: Quantities = new Map();
  if (state === undefined) return out;
  for (const [name, guarantee] of state.guarantees) {
    const missing = guarantee - get(state.consumed, name);
    if (missing > 0) out.set(name, missing);
  }
  return out;
}

/**
 * limitRoom(R): for each name limited by R or an ancestor, the least room left
 * under those limits. Names absent from the result are unlimited. `extra` adds
 * consumption not yet recorded in the cluster (placement's earlier tasks).
 */
export function limitRoom(cluster: Cluster, role: string, extra?: ReadonlyMap<string, Quantities>): Quantities {
  const room: Quantities = new Map();
  for (const r of selfAndAncestors(role)) {
    const state = cluster.roles.get(r);
    if (state === undefined || state.limits.size === 0) continue;
    const pending = extra?.get(r);
    for (const [name, limit] of state.limits) {
      const consumed = get(state.consumed, name) + (pending === undefined ? 0 : get(pending, name));
      const left = Math.max(0, limit - consumed);
      const known = room.get(name);
      if (known === undefined || left < known) room.set(name, left);
    }
  }
  return room;
}

/** Room for a name; Infinity when nothing limits it. */
export function roomFor(room: ReadonlyMap<string, number>, name: string): number {
  return room.get(name) ?? Infinity;
}

/** Headroom for the guarantees of top-level roles, at one moment. */
export class Headroom {
  /** requiredHeadroom: Σ over top-level roles of unsatisfied. */
  readonly required: Quantities = new Map();
  /** availableHeadroom: free unreserved non-revocable scalars over all agents. */
  readonly available: Quantities = new Map();
  /** Whether requiredHeadroom has a positive entry. */
  readonly isRequired: boolean;

  constructor(cluster: Cluster) {
    for (const [name, state] of cluster.roles) {
      if (parentOf(name) !== null) continue;
      for (const [n, missing] of unsatisfied(state)) this.required.set(n, get(this.required, n) + missing);
    }
    this.isRequired = this.required.size > 0;
    for (const [name, total] of cluster.unreservedTotal) {
      this.available.set(name, total - get(cluster.unreservedAllocated, name));
    }
  }

  /** surplus[n] = max(0, availableHeadroom[n] − requiredHeadroom[n]). */
  surplus(name: string): number {
    return Math.max(0, get(this.available, name) - get(this.required, name));
  }
}
