// The result of one allocation cycle, decoded lazily from the flat tape the
// native allocator returns (layout: core/src/allocator/cycle.rs, `Allocation`).
// Reading `offerIds` and `length` costs nothing; offers become objects only
// when asked for.

import type { AllocationOutput } from './native.js';
import { compareResources } from './resources.js';
import type { Allocation, Offer, PassedOver, Resource } from './types.js';

/** Turns the handles found in tapes into ids and names. */
export interface NameTable {
  frameworkId(handle: number): string;
  agentId(handle: number): string;
  role(index: number): string;
  resource(id: number): string;
}

export class NativeAllocation implements Allocation {
  readonly length: number;
  readonly offerIds: Float64Array;
  readonly passedOver: PassedOver;
  readonly #tape: Float64Array;
  readonly #offsets: Uint32Array;
  readonly #names: NameTable;

  constructor(out: AllocationOutput, names: NameTable) {
    this.#tape = out.tape;
    this.#offsets = out.offsets;
    this.offerIds = out.offerIds;
    this.length = out.offerIds.length;
    this.passedOver = { ...out.passedOver };
    this.#names = names;
  }

  offer(index: number): Offer {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`offer(${index}): this cycle has ${this.length} offers`);
    }
    const t = this.#tape;
    let at = this.#offsets[index]!;
    const offer: Offer = {
      id: t[at]!,
      frameworkId: this.#names.frameworkId(t[at + 1]!),
      role: this.#names.role(t[at + 2]!),
      agentId: this.#names.agentId(t[at + 3]!),
      resources: [],
    };
    const entries = t[at + 4]!;
    at += 5;
    const resources: Resource[] = [];
    for (let i = 0; i < entries; i++) {
      const name = this.#names.resource(t[at]!);
      const reservation = t[at + 1]!;
      const flags = t[at + 2]!;
      const r: Resource = { name };
      if (flags & 2) {
        const count = t[at + 3]!;
        const ranges: Array<[number, number]> = [];
        for (let k = 0; k < count; k++) ranges.push([t[at + 4 + 2 * k]!, t[at + 5 + 2 * k]!]);
        r.ranges = ranges;
        at += 4 + 2 * count;
      } else {
        r.scalar = t[at + 3]! / 1000;
        at += 4;
      }
      if (reservation >= 0) r.reservation = this.#names.role(reservation);
      if (flags & 1) r.revocable = true;
      resources.push(r);
    }
    offer.resources = resources.sort(compareResources);
    return offer;
  }

  *[Symbol.iterator](): Iterator<Offer> {
    for (let i = 0; i < this.length; i++) yield this.offer(i);
  }
}
