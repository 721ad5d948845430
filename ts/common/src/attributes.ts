// Agent attributes: wire messages (a list) <-> the allocator's record by name.

import type { Attributes as AllocatorAttributes } from '@tessera/allocator/types';

import { Attribute } from './gen/tessera/v1/attributes.js';
import { at, isSet, key, malformed, recordOf } from './path.js';

/**
 * Wire attributes -> allocator attributes. Each must hold exactly one of text
 * and scalar, and names must be unique (a record would silently keep the last).
 */
export function toAllocatorAttributes(attributes: readonly Attribute[], path = 'attributes'): AllocatorAttributes {
  const firstIndex = new Map<string, number>();
  const entries: Array<[string, string | number]> = [];
  attributes.forEach((attribute, index) => {
    const here = at(path, index);
    const { text, scalar } = attribute;
    if (isSet(text) && isSet(scalar)) throw malformed(here, 'has both text and scalar');
    const earlier = firstIndex.get(attribute.name);
    if (earlier !== undefined) {
      throw malformed(`${here}.name`, `duplicates ${at(path, earlier)}.name (${JSON.stringify(attribute.name)})`);
    }
    firstIndex.set(attribute.name, index);
    if (isSet(text)) entries.push([attribute.name, text]);
    else if (isSet(scalar)) entries.push([attribute.name, scalar.value]);
    else throw malformed(here, 'has neither text nor scalar');
  });
  return recordOf(entries);
}

/** Allocator attributes -> wire attributes, in the record's key order. */
export function fromAllocatorAttributes(attributes: AllocatorAttributes, path = 'attributes'): Attribute[] {
  return Object.entries(attributes).map(([name, value]) => {
    if (typeof value === 'string') return Attribute.create({ name, text: value });
    if (typeof value === 'number') return Attribute.create({ name, scalar: { value } });
    throw malformed(key(path, name), `must be a string or a number (got ${typeof value})`);
  });
}
