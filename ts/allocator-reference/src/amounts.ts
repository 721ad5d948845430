// Amounts by resource name as callers write them (`{ cpus: 1.5, mem: 2048 }`):
// quotas, minimum allocatable resources and placement requests.

import { InvalidArgumentError, InvalidResourceError } from '@tessera/allocator/errors';
import { isValidResourceName } from './names.js';
import type { Quantities } from './quantities.js';
import { checkWholeGpus, describe, toThousandths } from './units.js';

/** Thousandths by name, zero amounts included. */
export function parseAmounts(raw: unknown, path: string): Quantities {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(`${path}: must be an object of amounts by resource name (got ${describe(raw)})`);
  }
  const out: Quantities = new Map();
  for (const [name, amount] of Object.entries(raw)) {
    if (!isValidResourceName(name)) {
      throw new InvalidResourceError(`${path}: not a valid resource name: ${JSON.stringify(name)}`);
    }
    const t = toThousandths(amount, `${path}.${name}`);
    checkWholeGpus(name, t, `${path}.${name}`);
    out.set(name, t);
  }
  return out;
}

export function withoutZeros(q: Quantities): Quantities {
  return new Map([...q].filter(([, t]) => t !== 0));
}
