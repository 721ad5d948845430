// Chart series from the store's samples.

import type { Series } from '../components/chart.js';
import type { Sample } from '../data/history.js';

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

/** Task launches and completions per minute, from the event counts between samples. */
export function throughputSeries(samples: Sample[]): Series[] {
  const rate = (pick: (s: Sample) => number): Array<[number, number]> =>
    samples.slice(1).map((s, i) => {
      const dt = (s.t - samples[i]!.t) / 60_000;
      return [s.t, dt > 0 ? pick(s) / dt : 0];
    });
  return [
    { name: 'launched', points: rate((s) => s.launched) },
    { name: 'completed', points: rate((s) => s.completed) },
  ];
}
