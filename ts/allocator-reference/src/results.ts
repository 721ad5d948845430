// The values allocate() and place() hand back.

import type {
  Allocation as AllocationApi,
  Assignment,
  Offer,
  PassedOver,
  Placement as PlacementApi,
  RequestOutcome,
} from '@tessera/allocator/types';
import { InvalidArgumentError } from '@tessera/allocator/errors';

function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new InvalidArgumentError(`${what}: index ${index} is out of range (length ${length})`);
  }
}

/** The offers of one cycle, in the order they were made. */
export class Allocation implements AllocationApi {
  readonly offerIds: Float64Array;

  constructor(
    private readonly offers: readonly Offer[],
    readonly passedOver: PassedOver,
  ) {
    this.offerIds = Float64Array.from(offers, (o) => o.id);
  }

  get length(): number {
    return this.offers.length;
  }

  offer(index: number): Offer {
    checkIndex(index, this.offers.length, 'Allocation.offer');
    return this.offers[index]!;
  }

  [Symbol.iterator](): Iterator<Offer> {
    return this.offers[Symbol.iterator]();
  }
}

export class Placement implements PlacementApi {
  readonly placed: number;

  constructor(
    private readonly assignments: readonly Assignment[],
    readonly requests: readonly RequestOutcome[],
  ) {
    this.placed = requests.reduce((sum, r) => sum + r.placed, 0);
  }

  get length(): number {
    return this.assignments.length;
  }

  assignment(index: number): Assignment {
    checkIndex(index, this.assignments.length, 'Placement.assignment');
    return this.assignments[index]!;
  }

  [Symbol.iterator](): Iterator<Assignment> {
    return this.assignments[Symbol.iterator]();
  }
}
