// Integer range sets as [begin, end] pairs (ports), in the allocator's JSON
// form: the one normalisation the master and the SDK both need.

/** Sorted, with overlapping and adjacent ranges merged. */
export function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = ranges.map(([b, e]) => [b, e] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [b, e] of sorted) {
    const last = out[out.length - 1];
    if (last && b <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([b, e]);
  }
  return out;
}
