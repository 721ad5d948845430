// Resource arithmetic the master needs around the allocator: checking that the
// tasks of an accept fit in its offers (to name the task at fault; the
// allocator would only say the sum does not fit), and summing what a framework
// uses or is offered for /state. Amounts are kept in integer thousandths, as
// the allocator keeps them, so 0.1 + 0.2 fits in 0.3.

import type { Resource } from '@tessera/allocator';
import { mergeRanges } from '@tessera/common';

type Key = string;

interface Entry {
  name: string;
  reservation?: string;
  revocable?: boolean;
  /** Thousandths. */
  milli?: number;
  ranges?: Array<[number, number]>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SCALAR_NAMES = new Set(['cpus', 'mem', 'disk', 'gpus']);
const RANGES_NAMES = new Set(['ports']);

function keyOf(r: Resource): Key {
  const reservation = r.reservation === undefined || r.reservation === '*' ? '' : r.reservation;
  return `${r.name}\u0000${reservation}\u0000${r.revocable ? 1 : 0}`;
}

/** Why a resource (allocator form) is malformed, or undefined. The allocator has the last word. */
export function resourceProblem(r: Resource): string | undefined {
  if (!NAME.test(r.name)) return `name: must be 1-64 characters of [A-Za-z0-9_.-] (got ${JSON.stringify(r.name)})`;
  if (r.scalar !== undefined) {
    if (RANGES_NAMES.has(r.name)) return `${r.name}: must be ranges, not a scalar`;
    const v = r.scalar;
    if (!Number.isFinite(v) || v < 0) return `scalar: must be a finite number >= 0 (got ${v})`;
    if (Math.abs(v * 1000 - Math.round(v * 1000)) > 1e-6) return `scalar: at most 3 decimal digits (got ${v})`;
    if (r.name === 'gpus' && !Number.isInteger(v)) return `scalar: gpus must be whole (got ${v})`;
  } else if (r.ranges !== undefined) {
    if (SCALAR_NAMES.has(r.name)) return `${r.name}: must be a scalar, not ranges`;
    for (const [i, [b, e]] of r.ranges.entries()) {
      if (!Number.isSafeInteger(b) || !Number.isSafeInteger(e) || b < 0 || b > e) {
        return `ranges[${i}]: must be integers with 0 <= begin <= end (got [${b}, ${e}])`;
      }
    }
  }
  return undefined;
}

/** Removes `take` from `from`, or returns undefined when some value is missing. */
function subtractRanges(from: Array<[number, number]>, take: Array<[number, number]>): Array<[number, number]> | undefined {
  let out = mergeRanges(from);
  for (const [b, e] of mergeRanges(take)) {
    const holder = out.find(([fb, fe]) => fb <= b && e <= fe);
    if (!holder) return undefined;
    const next: Array<[number, number]> = [];
    for (const r of out) {
      if (r !== holder) next.push(r);
      else {
        if (r[0] < b) next.push([r[0], b - 1]);
        if (e < r[1]) next.push([e + 1, r[1]]);
      }
    }
    out = next;
  }
  return out;
}

/** A multiset of resources keyed by (name, reservation, revocable). */
export class ResourceBag {
  readonly #entries = new Map<Key, Entry>();

  static of(resources: readonly Resource[]): ResourceBag {
    const bag = new ResourceBag();
    bag.add(resources);
    return bag;
  }

  add(resources: readonly Resource[]): this {
    for (const r of resources) {
      const k = keyOf(r);
      let entry = this.#entries.get(k);
      if (!entry) {
        entry = { name: r.name };
        if (r.reservation !== undefined && r.reservation !== '' && r.reservation !== '*') entry.reservation = r.reservation;
        if (r.revocable) entry.revocable = true;
        this.#entries.set(k, entry);
      }
      if (r.scalar !== undefined) entry.milli = (entry.milli ?? 0) + Math.round(r.scalar * 1000);
      if (r.ranges !== undefined) entry.ranges = mergeRanges([...(entry.ranges ?? []), ...r.ranges]);
    }
    return this;
  }

  /**
   * Takes `resources` out of the bag; returns a description of the first one
   * that does not fit (and leaves the bag unchanged), or undefined.
   */
  take(resources: readonly Resource[]): string | undefined {
    const next = new Map<Key, Entry>();
    for (const [k, e] of this.#entries) next.set(k, { ...e, ranges: e.ranges ? [...e.ranges] : undefined });
    for (const r of resources) {
      const entry = next.get(keyOf(r));
      const label = describe(r);
      if (r.scalar !== undefined) {
        const want = Math.round(r.scalar * 1000);
        const have = entry?.milli ?? 0;
        if (want > have) return `${label}: needs ${want / 1000} but only ${have / 1000} remains in the offers`;
        if (entry) entry.milli = have - want;
      } else if (r.ranges !== undefined) {
        const left = subtractRanges(entry?.ranges ?? [], r.ranges);
        if (!left) return `${label}: ${JSON.stringify(r.ranges)} not within what remains in the offers`;
        if (entry) entry.ranges = left;
      }
    }
    this.#entries.clear();
    for (const [k, e] of next) this.#entries.set(k, e);
    return undefined;
  }

  /** The bag in the allocator's form, empty amounts left out. */
  toResources(): Resource[] {
    const out: Resource[] = [];
    for (const e of this.#entries.values()) {
      const r: Resource = { name: e.name };
      if (e.milli !== undefined) {
        if (e.milli === 0) continue;
        r.scalar = e.milli / 1000;
      } else if (e.ranges !== undefined) {
        if (e.ranges.length === 0) continue;
        r.ranges = e.ranges;
      }
      if (e.reservation !== undefined) r.reservation = e.reservation;
      if (e.revocable) r.revocable = true;
      out.push(r);
    }
    return out.sort((a, b) => (a.name === b.name ? (a.reservation ?? '').localeCompare(b.reservation ?? '') : a.name < b.name ? -1 : 1));
  }
}

function describe(r: Resource): string {
  const reservation = r.reservation && r.reservation !== '*' ? `(${r.reservation})` : '';
  return `${r.name}${reservation}${r.revocable ? ' (revocable)' : ''}`;
}

/** Sums several resource lists. */
export function sumResources(lists: Iterable<readonly Resource[]>): Resource[] {
  const bag = new ResourceBag();
  for (const l of lists) bag.add(l);
  return bag.toResources();
}
