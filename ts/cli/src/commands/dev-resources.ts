// How `tessera dev` shares one machine among N agents: scalars divided
// evenly (cpus to thousandths, mem and disk to whole MiB) and the ports
// ranges cut into N contiguous blocks. Reservations and revocable resources
// are left out: a dev cluster offers plain unreserved resources.

import type { Resource } from '@tessera/common';

export function splitResources(machine: Resource[], n: number): string[] {
  if (n <= 0) return [];
  const parts: string[][] = Array.from({ length: n }, () => []);
  for (const r of machine) {
    if (r.reservation && r.reservation !== '*') continue;
    if (r.revocable) continue;
    if (r.scalar) {
      const whole = r.name === 'mem' || r.name === 'disk' || r.name === 'gpus';
      const total = r.scalar.value;
      for (let i = 0; i < n; i++) {
        const share = whole ? Math.floor(total / n) + (i < total % n && r.name === 'gpus' ? 1 : 0) : Math.floor((total / n) * 1000) / 1000;
        if (share > 0) parts[i]!.push(`${r.name}:${share}`);
      }
    } else if (r.ranges) {
      const values: Array<[number, number]> = r.ranges.range.map((x) => [x.begin, x.end]);
      const size = values.reduce((s, [b, e]) => s + (e - b + 1), 0);
      const per = Math.floor(size / n);
      if (per === 0) continue;
      // Walk the ranges handing out `per` values to each agent in turn.
      let idx = 0;
      let cursor = values[0]?.[0] ?? 0;
      for (let i = 0; i < n; i++) {
        let need = per;
        const mine: string[] = [];
        while (need > 0 && idx < values.length) {
          const [, end] = values[idx]!;
          const take = Math.min(need, end - cursor + 1);
          mine.push(`${cursor}-${cursor + take - 1}`);
          need -= take;
          cursor += take;
          if (cursor > end) {
            idx++;
            cursor = values[idx]?.[0] ?? 0;
          }
        }
        parts[i]!.push(`${r.name}:[${mine.join(',')}]`);
      }
    }
  }
  return parts.map((p) => p.join(';'));
}
