// An offer group is the offers of one agent under one role: Accept takes them
// together, so placement treats each group as one agent. It keeps what is left
// of the offers' resources, per pool, and hands tasks their exact share.

import type { Attributes, Resource as AllocatorResource } from '@tessera/allocator';
import { Resource, mergeRanges, toAllocatorAttributes, toAllocatorResources, type Offer } from '@tessera/common';

/** One pool: resources of one name and reservation. Scalars in thousandths
 *  (exact, as the allocator counts them); ranges as sorted [begin, end] pairs. */
interface Pool {
  name: string;
  reservation: string;
  /** Depth of the reservation (eng/ml = 2); unreserved = 0. */
  depth: number;
  milli?: number;
  ranges?: Array<[number, number]>;
}

export class OfferGroup {
  readonly agentId: string;
  readonly role: string;
  readonly hostname: string;
  readonly offerIds: string[] = [];
  attributes: Attributes = {};
  readonly #pools = new Map<string, Pool>();
  /** Pools by name, most specific reservation first (the order tasks take from). */
  readonly #byName = new Map<string, Pool[]>();

  constructor(agentId: string, role: string, hostname: string) {
    this.agentId = agentId;
    this.role = role;
    this.hostname = hostname;
  }

  /** Adds an offer's resources. Revocable resources are left out: place()
   *  never puts tasks on them. */
  add(offer: Offer, field: string): void {
    this.offerIds.push(offer.id);
    if (offer.attributes.length > 0) this.attributes = toAllocatorAttributes(offer.attributes, `${field}.attributes`);
    for (const r of toAllocatorResources(offer.resources, `${field}.resources`)) {
      if (r.revocable) continue;
      const reservation = r.reservation === undefined || r.reservation === '*' ? '' : r.reservation;
      const key = `${r.name}\u0000${reservation}`;
      let pool = this.#pools.get(key);
      if (!pool) {
        pool = { name: r.name, reservation, depth: reservation === '' ? 0 : reservation.split('/').length };
        this.#pools.set(key, pool);
        const same = this.#byName.get(r.name) ?? [];
        same.push(pool);
        same.sort((a, b) => b.depth - a.depth);
        this.#byName.set(r.name, same);
      }
      if (r.scalar !== undefined) pool.milli = (pool.milli ?? 0) + Math.round(r.scalar * 1000);
      if (r.ranges) pool.ranges = mergeRanges([...(pool.ranges ?? []), ...r.ranges]);
    }
  }

  /** The resources, in the allocator's form (an agent of a throwaway allocator). */
  resources(): AllocatorResource[] {
    const out: AllocatorResource[] = [];
    for (const pool of this.#pools.values()) {
      const r: AllocatorResource = { name: pool.name };
      if (pool.reservation !== '') r.reservation = pool.reservation;
      if (pool.ranges !== undefined) {
        if (pool.ranges.length === 0) continue;
        r.ranges = pool.ranges;
      } else {
        if (!pool.milli) continue;
        r.scalar = pool.milli / 1000;
      }
      out.push(r);
    }
    return out;
  }

  /** Names whose resources are ranges here (a request's amount is then a count). */
  rangesNames(): string[] {
    return [...this.#pools.values()].filter((p) => p.ranges !== undefined).map((p) => p.name);
  }

  /**
   * Takes one task's quantities and returns them as wire resources, or
   * undefined (taking nothing) when they do not fit. As place() does, a task
   * takes from the most specific reservation first, then from unreserved.
   */
  take(quantities: Record<string, number>): Resource[] | undefined {
    const plan: Array<{ pool: Pool; milli?: number; ranges?: Array<[number, number]> }> = [];
    for (const [name, amount] of Object.entries(quantities)) {
      if (amount === 0) continue;
      const pools = this.#byName.get(name) ?? [];
      let wanted = Math.round(amount * 1000);
      const isRanges = pools.some((p) => p.ranges !== undefined);
      if (isRanges) wanted = Math.round(amount);
      for (const pool of pools) {
        if (wanted === 0) break;
        if (pool.ranges !== undefined) {
          const picked = pickValues(pool.ranges, wanted);
          const n = picked.reduce((sum, [b, e]) => sum + e - b + 1, 0);
          if (n > 0) plan.push({ pool, ranges: picked });
          wanted -= n;
        } else if (pool.milli) {
          const n = Math.min(pool.milli, wanted);
          if (n > 0) plan.push({ pool, milli: n });
          wanted -= n;
        }
      }
      if (wanted > 0) return undefined;
    }
    const out: Resource[] = [];
    for (const step of plan) {
      if (step.milli !== undefined) {
        step.pool.milli! -= step.milli;
        out.push(Resource.create({ name: step.pool.name, scalar: { value: step.milli / 1000 }, reservation: step.pool.reservation }));
      } else if (step.ranges) {
        step.pool.ranges = subtractRanges(step.pool.ranges!, step.ranges);
        out.push(
          Resource.create({
            name: step.pool.name,
            ranges: { range: step.ranges.map(([begin, end]) => ({ begin, end })) },
            reservation: step.pool.reservation,
          }),
        );
      }
    }
    return out;
  }
}

/** The lowest `count` values of `ranges`, as ranges. */
function pickValues(ranges: ReadonlyArray<[number, number]>, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let left = count;
  for (const [begin, end] of ranges) {
    if (left === 0) break;
    const n = Math.min(left, end - begin + 1);
    out.push([begin, begin + n - 1]);
    left -= n;
  }
  return out;
}

/** `ranges` without `taken` (taken is a subset, both sorted). */
function subtractRanges(ranges: Array<[number, number]>, taken: Array<[number, number]>): Array<[number, number]> {
  let out = ranges;
  for (const [tb, te] of taken) {
    const next: Array<[number, number]> = [];
    for (const [b, e] of out) {
      if (te < b || tb > e) {
        next.push([b, e]);
        continue;
      }
      if (b < tb) next.push([b, tb - 1]);
      if (te < e) next.push([te + 1, e]);
    }
    out = next;
  }
  return out;
}
