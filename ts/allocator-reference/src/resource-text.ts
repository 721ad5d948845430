// The Mesos text form of resources, `cpus:4;mem:1024;ports:[31000-32000];cpus(ml):2`,
// read into Resource objects: items split by `;`, `name(role):value`, where the
// value is a number or `[begin-end,...]`. Checking the values is left to
// parseResources, as for objects.

import type { Resource } from '@tessera/allocator/types';
import { InvalidResourceError } from '@tessera/allocator/errors';

export function resourcesFromText(text: string, path: string): Resource[] {
  const out: Resource[] = [];
  text.split(';').forEach((raw, i) => {
    const item = raw.trim();
    if (item === '') return;
    const bad = (what: string) => new InvalidResourceError(`${path}: item ${i + 1} '${item}': ${what}`);
    const colon = item.indexOf(':');
    if (colon < 0) throw bad('expected name:value');
    const head = item.slice(0, colon).trim();
    const value = item.slice(colon + 1).trim();
    const m = /^([^()]*)(?:\(([^()]*)\))?$/.exec(head);
    if (!m) throw bad('a reservation is written name(role)');
    const r: Resource = { name: m[1]!.trim() };
    if (m[2] !== undefined && m[2] !== '*') r.reservation = m[2];
    if (value.startsWith('[')) {
      if (!value.endsWith(']')) throw bad('ranges are written [begin-end,...]');
      r.ranges = value
        .slice(1, -1)
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => {
          const dash = p.indexOf('-');
          if (dash < 0) throw bad(`range '${p}' is not begin-end`);
          const [b, e] = [Number(p.slice(0, dash).trim()), Number(p.slice(dash + 1).trim())];
          if (Number.isNaN(b) || Number.isNaN(e)) throw bad(`range '${p}' is not two numbers`);
          return [b, e] as [number, number];
        });
    } else {
      const v = Number(value);
      if (value === '' || Number.isNaN(v)) throw bad(`'${value}' is not a number`);
      r.scalar = v;
    }
    out.push(r);
  });
  return out;
}
