// Chart series from the store's samples.

import type { Series } from '../components/chart.js';
import type { Bucket, Sample } from '../data/history.js';

export function utilizationSeries(samples: Sample[]): Series[] {
  const pct = (part: number, whole: number): number => (whole > 0 ? (100 * part) / whole : 0);
  return [
    { name: 'cpus', points: samples.map((s) => [s.t, pct(s.used.cpus, s.total.cpus)]) },
    { name: 'mem', points: samples.map((s) => [s.t, pct(s.used.mem, s.total.mem)]) },
  ];
}

/** Roles by their latest allocation, largest first; the rest summed as "other". */
export function allocationSeries(samples: Sample[], top = 6): Series[] {
  const last = samples[samples.length - 1]?.cpusByRole ?? {};
  const everSeen = new Set(samples.flatMap((s) => Object.keys(s.cpusByRole)));
  const ranked = [...everSeen].sort((a, b) => (last[b] ?? 0) - (last[a] ?? 0) || a.localeCompare(b));
  const series: Series[] = ranked.slice(0, top).map((role) => ({ name: role, points: samples.map((s) => [s.t, s.cpusByRole[role] ?? 0]) }));
  if (ranked.length > top) {
    const rest = new Set(ranked.slice(top));
    series.push({
      name: 'other',
      points: samples.map((s) => [s.t, Object.entries(s.cpusByRole).reduce((n, [r, v]) => (rest.has(r) ? n + v : n), 0)]),
    });
  }
  return series;
}

/** Task launches and completions per bucket (10 s), from the event stream. */
export function throughputSeries(buckets: Bucket[]): Series[] {
  // The newest bucket is still filling: leave it out rather than show a dip.
  const done = buckets.slice(0, -1);
  return [
    { name: 'launched', points: done.map((b) => [b.t, b.launched]) },
    { name: 'completed', points: done.map((b) => [b.t, b.completed]) },
  ];
}
