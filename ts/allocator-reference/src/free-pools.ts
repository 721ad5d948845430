// Placement's working copy of one agent's free non-revocable resources, as
// amounts per (name, reservation) pool. Ranges count their values (× 1000, the
// unit every amount here is in), because placement asks for counts of values.

import * as ranges from './ranges.js';
import type { Resources } from './resources.js';
import { DEFAULT_ROLE, reservationServes, selfAndAncestors } from './roles.js';

/** The pool key of unreserved resources; no role is the empty string. */
const UNRESERVED = '';

export class FreePools {
  /** name → reservation → amount. */
  private readonly pools = new Map<string, Map<string, number>>();

  constructor(free: Resources) {
    for (const e of free) {
      if (e.revocable) continue;
      let byReservation = this.pools.get(e.name);
      if (byReservation === undefined) this.pools.set(e.name, (byReservation = new Map()));
      const amount = e.ranges === null ? e.scalar : ranges.count(e.ranges) * 1000;
      const key = e.reservation ?? UNRESERVED;
      byReservation.set(key, (byReservation.get(key) ?? 0) + amount);
    }
  }

  /** availFor(a, n): what the role may take of the name. */
  availFor(name: string, role: string): number {
    return this.unreserved(name) + this.reservedFor(name, role);
  }

  unreserved(name: string): number {
    return this.pools.get(name)?.get(UNRESERVED) ?? 0;
  }

  /** What pools reserved to the role or its ancestors hold of the name. */
  reservedFor(name: string, role: string): number {
    const byReservation = this.pools.get(name);
    if (byReservation === undefined) return 0;
    let sum = 0;
    for (const [reservation, amount] of byReservation) {
      if (reservation !== UNRESERVED && reservationServes(reservation, role)) sum += amount;
    }
    return sum;
  }

  /**
   * Takes `amount` of the name for the role: from the role's own reservation,
   * then its parent's, up to the top-level role, then unreserved. Returns the
   * unreserved part, the only part that counts against quota limits.
   */
  take(name: string, amount: number, role: string): number {
    const byReservation = this.pools.get(name);
    if (byReservation === undefined) return 0;
    let left = amount;
    const order = role === DEFAULT_ROLE ? [] : selfAndAncestors(role);
    for (const reservation of [...order, UNRESERVED]) {
      if (left === 0) break;
      const pool = byReservation.get(reservation) ?? 0;
      const taken = Math.min(pool, left);
      if (taken > 0) byReservation.set(reservation, pool - taken);
      left -= taken;
      if (reservation === UNRESERVED) return taken;
    }
    return 0;
  }
}
