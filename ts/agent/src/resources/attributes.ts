// Agent attributes from their text form, "rack:r1;zone:a;level:3": values that
// read as finite numbers become scalars (so constraints can compare them),
// everything else text.

import { Attribute } from '@tessera/common';

const NAME = /^[A-Za-z0-9_.\-/]+$/;
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** Parses "name:value;name:value". Throws a TypeError naming the bad item. */
export function parseAttributes(text: string, option = 'attributes'): Attribute[] {
  if (typeof text !== 'string') throw new TypeError(`${option}: must be a string`);
  const out: Attribute[] = [];
  const seen = new Set<string>();
  const items = text.split(';').map((item) => item.trim());
  items.forEach((item, index) => {
    if (item === '' && (index === items.length - 1 || text.trim() === '')) return;
    const here = `${option}: item ${index + 1} '${item}'`;
    const colon = item.indexOf(':');
    if (colon <= 0) throw new TypeError(`${here}: expected name:value`);
    const name = item.slice(0, colon).trim();
    const value = item.slice(colon + 1).trim();
    if (!NAME.test(name)) throw new TypeError(`${here}: name may hold only letters, digits, '_', '-', '.', '/'`);
    if (value === '') throw new TypeError(`${here}: value is empty`);
    if (seen.has(name)) throw new TypeError(`${here}: attribute '${name}' is given twice`);
    seen.add(name);
    if (NUMBER.test(value) && Number.isFinite(Number(value))) {
      out.push(Attribute.create({ name, scalar: { value: Number(value) } }));
    } else {
      out.push(Attribute.create({ name, text: value }));
    }
  });
  return out;
}
