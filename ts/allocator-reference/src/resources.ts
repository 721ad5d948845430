// Resource lists in normal form: one entry per (name, reservation, revocable),
// no empty entries, sorted in canonical order. Every list the allocator keeps is
// in this form, so sums, differences and containment are merges of sorted arrays.

import type { Resource } from '@tessera/allocator/types';
import { InternalError } from '@tessera/allocator/errors';
import * as ranges from './ranges.js';
import type { RangeSet } from './ranges.js';
import type { Quantities } from './quantities.js';
import { reservationServes } from './roles.js';
import { fromThousandths } from './units.js';

export interface Entry {
  /** Sorts in canonical order; see entryKey. */
  readonly key: string;
  readonly name: string;
  /** The role the entry is reserved to, or null when unreserved. */
  readonly reservation: string | null;
  readonly revocable: boolean;
  /** Thousandths, for a scalar entry. */
  readonly scalar: number;
  /** The values, for a ranges entry; null for a scalar entry. */
  readonly ranges: RangeSet | null;
}

export type Resources = readonly Entry[];

export const NONE: Resources = [];

/**
 * Canonical order is by name, unreserved before reserved, reservations by role,
 * non-revocable before revocable. Names, roles and the separator are ASCII and
 * every name and role character sorts above NUL, so comparing these keys as
 * strings is that order.
 */
export function entryKey(name: string, reservation: string | null, revocable: boolean): string {
  return `${name}\u0000${reservation === null ? '' : `\u0001${reservation}`}\u0000${revocable ? '1' : '0'}`;
}

export function scalarEntry(name: string, reservation: string | null, revocable: boolean, t: number): Entry {
  return { key: entryKey(name, reservation, revocable), name, reservation, revocable, scalar: t, ranges: null };
}

export function rangesEntry(name: string, reservation: string | null, revocable: boolean, set: RangeSet): Entry {
  return { key: entryKey(name, reservation, revocable), name, reservation, revocable, scalar: 0, ranges: set };
}

export function isEmpty(x: Resources): boolean {
  return x.length === 0;
}

function isEmptyEntry(e: Entry): boolean {
  return e.ranges === null ? e.scalar === 0 : e.ranges.length === 0;
}

function withValue(e: Entry, scalar: number, set: RangeSet | null): Entry {
  return { ...e, scalar, ranges: set };
}

/** Builds a normal-form list from entries with distinct keys, in any order. */
export function fromEntries(entries: Iterable<Entry>): Resources {
  return [...entries].filter((e) => !isEmptyEntry(e)).sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** `a + b`. Range values are united. */
export function add(a: Resources, b: Resources): Resources {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.key < y.key)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y.key < x.key) {
      out.push(y);
      j++;
    } else {
      out.push(
        x.ranges === null
          ? withValue(x, x.scalar + y.scalar, null)
          : withValue(x, 0, ranges.union(x.ranges, y.ranges ?? [])),
      );
      i++;
      j++;
    }
  }
  return out;
}

/** `a − b`, where the caller has made sure that `b ⊆ a`. */
export function subtract(a: Resources, b: Resources): Resources {
  if (b.length === 0) return a;
  const out: Entry[] = [];
  let j = 0;
  for (const x of a) {
    const y = b[j];
    if (y === undefined || y.key !== x.key) {
      if (y !== undefined && y.key < x.key) throw new InternalError(`subtract: ${y.name} is not held`);
      out.push(x);
      continue;
    }
    j++;
    const rest =
      x.ranges === null
        ? withValue(x, x.scalar - y.scalar, null)
        : withValue(x, 0, ranges.difference(x.ranges, y.ranges ?? []));
    if (rest.scalar < 0) throw new InternalError(`subtract: more ${x.name} than held`);
    if (!isEmptyEntry(rest)) out.push(rest);
  }
  if (j < b.length) throw new InternalError(`subtract: ${b[j]!.name} is not held`);
  return out;
}

/** `b ⊆ a`: every entry of b has an entry of a with the same identity holding at least as much. */
export function contains(a: Resources, b: Resources): boolean {
  let i = 0;
  for (const y of b) {
    while (i < a.length && a[i]!.key < y.key) i++;
    const x = a[i];
    if (x === undefined || x.key !== y.key) return false;
    if (y.ranges === null ? x.scalar < y.scalar : !ranges.contains(x.ranges ?? [], y.ranges)) return false;
  }
  return true;
}

export function filter(x: Resources, keep: (e: Entry) => boolean): Resources {
  return x.filter(keep);
}

/** Unreserved, or reserved to the role or one of its ancestors. */
export function allocatableTo(x: Resources, role: string): Resources {
  return x.filter((e) => e.reservation === null || reservationServes(e.reservation, role));
}

export function withoutRevocable(x: Resources): Resources {
  return x.filter((e) => !e.revocable);
}

export function isUnreservedNonRevocableScalar(e: Entry): boolean {
  return e.ranges === null && e.reservation === null && !e.revocable;
}

/** Sums the scalar entries that pass `keep` by name. */
export function scalarQuantities(x: Resources, keep: (e: Entry) => boolean = () => true): Quantities {
  const q: Quantities = new Map();
  for (const e of x) {
    if (e.ranges === null && keep(e)) q.set(e.name, (q.get(e.name) ?? 0) + e.scalar);
  }
  return q;
}

export function unreservedNonRevocableScalars(x: Resources): Quantities {
  return scalarQuantities(x, isUnreservedNonRevocableScalar);
}

/**
 * quantity(x, n) in thousandths units: the scalar sum over every reservation and
 * revocability, or for a ranges name the number of values × 1000, so that it
 * compares with amounts given by callers.
 */
export function quantity(x: Resources, name: string): number {
  let t = 0;
  for (const e of x) {
    if (e.name === name) t += e.ranges === null ? e.scalar : ranges.count(e.ranges) * 1000;
  }
  return t;
}

/** Unreserved non-revocable scalar entries holding `q`. */
export function fromQuantities(q: ReadonlyMap<string, number>): Resources {
  return fromEntries([...q].map(([name, t]) => scalarEntry(name, null, false, t)));
}

export function toApiResource(e: Entry): Resource {
  const r: Resource = { name: e.name };
  if (e.ranges === null) r.scalar = fromThousandths(e.scalar);
  else r.ranges = e.ranges.map(([begin, end]) => [begin, end]);
  if (e.reservation !== null) r.reservation = e.reservation;
  if (e.revocable) r.revocable = true;
  return r;
}

/** Fresh objects in canonical order. */
export function toApi(x: Resources): Resource[] {
  return x.map(toApiResource);
}

/** Same resources (both contain the other). */
export function equals(a: Resources, b: Resources): boolean {
  return contains(a, b) && contains(b, a);
}
