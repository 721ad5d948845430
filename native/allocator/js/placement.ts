// The result of place(): assignment triples decoded lazily.

import type { NameTable } from './allocation.js';
import type { PlacementOutput } from './native.js';
import type { Assignment, Placement, RequestOutcome } from './types.js';

export class NativePlacement implements Placement {
  readonly length: number;
  readonly requests: readonly RequestOutcome[];
  readonly placed: number;
  readonly #triples: Uint32Array;
  readonly #names: NameTable;

  constructor(out: PlacementOutput, names: NameTable) {
    this.#triples = out.assignments;
    this.length = out.assignments.length / 3;
    this.placed = out.placed;
    this.requests = out.requests.map((r) => (r.shortfall ? { placed: r.placed, shortfall: { ...r.shortfall } } : { placed: r.placed }));
    this.#names = names;
  }

  assignment(index: number): Assignment {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`assignment(${index}): this placement has ${this.length} assignments`);
    }
    const t = this.#triples;
    return { request: t[index * 3]!, agentId: this.#names.agentId(t[index * 3 + 1]!), count: t[index * 3 + 2]! };
  }

  *[Symbol.iterator](): Iterator<Assignment> {
    for (let i = 0; i < this.length; i++) yield this.assignment(i);
  }
}
