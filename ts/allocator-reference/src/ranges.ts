// Sets of integers as sorted, disjoint, non-adjacent inclusive intervals, the
// value of a ranges resource (ports). Bounds stay below 2^53, so `end + 1` is exact.

export type Interval = readonly [number, number];
export type RangeSet = readonly Interval[];

/** Sorts intervals and merges adjacent ones; returns null when two overlap. */
export function normaliseIntervals(intervals: readonly Interval[]): RangeSet | null {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [begin, end] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && begin <= last[1]) return null;
    if (last !== undefined && begin === last[1] + 1) last[1] = end;
    else out.push([begin, end]);
  }
  return out;
}

export function overlaps(a: RangeSet, b: RangeSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x[1] < y[0]) i++;
    else if (y[1] < x[0]) j++;
    else return true;
  }
  return false;
}

export function union(a: RangeSet, b: RangeSet): RangeSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [begin, end] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && begin <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([begin, end]);
  }
  return out;
}

/** `a − b`. */
export function difference(a: RangeSet, b: RangeSet): RangeSet {
  if (b.length === 0) return a;
  const out: Array<[number, number]> = [];
  let j = 0;
  for (const [begin, end] of a) {
    let from = begin;
    while (j < b.length && b[j]![1] < from) j++;
    let k = j;
    while (from <= end && k < b.length && b[k]![0] <= end) {
      const [cutBegin, cutEnd] = b[k]!;
      if (cutBegin > from) out.push([from, cutBegin - 1]);
      from = Math.max(from, cutEnd + 1);
      k++;
    }
    if (from <= end) out.push([from, end]);
  }
  return out;
}

/** `b ⊆ a`. */
export function contains(a: RangeSet, b: RangeSet): boolean {
  let i = 0;
  for (const [begin, end] of b) {
    while (i < a.length && a[i]![1] < begin) i++;
    const holder = a[i];
    if (holder === undefined || holder[0] > begin || holder[1] < end) return false;
  }
  return true;
}

/** How many values the set holds. */
export function count(set: RangeSet): number {
  let n = 0;
  for (const [begin, end] of set) n += end - begin + 1;
  return n;
}

