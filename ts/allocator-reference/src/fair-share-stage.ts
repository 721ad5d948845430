// Stage 2 of the cycle: every candidate in DRF order, within quota limits and
// without eating into the headroom kept for unmet guarantees. Each rejection is
// counted by its reason: rejection is data.

import type { PassedOver } from '@tessera/allocator/types';
import { allocatable, excluded, filtered, gpuBlocked, stripped } from './candidate-checks.js';
import type { Quantities } from './quantities.js';
import { roomFor } from './quota.js';
import * as res from './resources.js';
import type { Resources } from './resources.js';
import type { Candidate, Stage } from './stage.js';

export function noRejections(): PassedOver {
  return { filter: 0, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 0, gpu: 0 };
}

export class FairShareStage implements Stage {
  constructor(readonly passedOver: PassedOver) {}

  visits(): boolean {
    return true;
  }

  evaluate(c: Candidate): Resources | null {
    const { framework, role, agent } = c;
    if (excluded(framework, role, agent)) return this.reject('constraint');
    if (gpuBlocked(framework, agent)) return this.reject('gpu');
    const avail = stripped(framework, c.avail);
    if (!allocatable(avail, framework, role, c.defaults)) return this.reject('minAllocatable');

    // q0 → q1 (quota limits) → q2 (headroom for others' guarantees).
    const scalars: Quantities = new Map();
    let limited = false;
    for (const [name, q0] of res.unreservedNonRevocableScalars(avail)) {
      const q1 = Math.min(q0, roomFor(c.room, name));
      if (q1 !== q0) limited = true;
      scalars.set(name, c.headroom.isRequired ? Math.min(q1, c.headroom.surplus(name)) : q1);
    }
    const toOffer = res.add(res.fromQuantities(scalars), res.filter(avail, (e) => !res.isUnreservedNonRevocableScalar(e)));

    if (!allocatable(toOffer, framework, role, c.defaults)) return this.reject(limited ? 'quotaLimit' : 'quotaHeadroom');
    if (filtered(c.cluster, framework, role, agent, toOffer, c.now)) return this.reject('filter');
    return toOffer;
  }

  private reject(reason: keyof PassedOver): null {
    this.passedOver[reason]++;
    return null;
  }
}
