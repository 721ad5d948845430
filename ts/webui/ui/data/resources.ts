// Resource arithmetic and formatting for display: scalar sums by name (ranges
// counted as the number of values they hold), and human units.

import type { Resource } from './types.js';

export type Quantities = Record<string, number>;

/** Kinds shown in resource tables, in this order; others follow by name. */
export const KINDS = ['cpus', 'gpus', 'mem', 'disk', 'ports'];

export function quantities(resources: readonly Resource[] | undefined): Quantities {
  const out: Quantities = {};
  for (const r of resources ?? []) {
    const n = r.scalar ?? (r.ranges ?? []).reduce((sum, [b, e]) => sum + (e - b + 1), 0);
    out[r.name] = (out[r.name] ?? 0) + n;
  }
  return out;
}

export function add(into: Quantities, q: Quantities): Quantities {
  for (const [k, v] of Object.entries(q)) into[k] = (into[k] ?? 0) + v;
  return into;
}

export function minus(a: Quantities, b: Quantities): Quantities {
  const out: Quantities = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = Math.max(0, (a[k] ?? 0) - (b[k] ?? 0));
  return out;
}

export function kindsOf(...qs: Quantities[]): string[] {
  const names = new Set(qs.flatMap((q) => Object.keys(q)));
  return [...KINDS.filter((k) => names.has(k)), ...[...names].filter((k) => !KINDS.includes(k)).sort()];
}

/** mem and disk are MiB on the wire. */
export function formatAmount(kind: string, n: number | undefined): string {
  if (n === undefined) return '—';
  if (kind === 'mem' || kind === 'disk') {
    if (n >= 1024 * 1024) return `${trim(n / (1024 * 1024))} TiB`;
    if (n >= 1024) return `${trim(n / 1024)} GiB`;
    return `${trim(n)} MiB`;
  }
  return trim(n);
}

function trim(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** "cpus 0.5 · mem 64 MiB" for a compact cell. */
export function formatResources(resources: readonly Resource[] | Quantities): string {
  const q = Array.isArray(resources) ? quantities(resources) : (resources as Quantities);
  return kindsOf(q)
    .filter((k) => k !== 'ports' || q[k]! > 0)
    .map((k) => `${k} ${formatAmount(k, q[k])}`)
    .join(' · ');
}

export function percent(part: number, whole: number): string {
  if (!whole) return '—';
  return `${((100 * part) / whole).toFixed(1)}%`;
}
