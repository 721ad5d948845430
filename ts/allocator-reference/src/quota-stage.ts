// Stage 1 of the cycle: offer roles with unmet guarantees what they are
// guaranteed, plus whatever their limits and other roles' guarantees leave.
// It counts no rejections: every candidate gets a second chance in stage 2.

import { allocatable, excluded, filtered, gpuBlocked, stripped } from './candidate-checks.js';
import type { Cluster } from './cluster.js';
import { get } from './quantities.js';
import type { Quantities } from './quantities.js';
import { roomFor, unsatisfied } from './quota.js';
import * as res from './resources.js';
import type { Resources } from './resources.js';
import type { Candidate, Stage } from './stage.js';

export class QuotaStage implements Stage {
  visits(cluster: Cluster, role: string): boolean {
    // unsatisfied(R) is non-empty only for roles with guarantees of their own.
    return unsatisfied(cluster.roles.get(role)).size > 0;
  }

  evaluate(c: Candidate): Resources | null {
    const { framework, role, agent } = c;
    if (excluded(framework, role, agent)) return null;
    if (gpuBlocked(framework, agent)) return null;
    const avail = stripped(framework, c.avail);
    if (!allocatable(avail, framework, role, c.defaults)) return null;

    const q = res.unreservedNonRevocableScalars(avail);
    const missing = unsatisfied(c.cluster.roles.get(role));
    const guaranteed: Quantities = new Map();
    for (const [name, t] of q) {
      const g = Math.min(t, get(missing, name));
      if (g > 0) guaranteed.set(name, g);
    }
    if (guaranteed.size === 0) return null;

    const scalars: Quantities = new Map();
    for (const [name, t] of q) {
      const g = get(guaranteed, name);
      let more = t - g;
      more = Math.min(more, Math.max(0, roomFor(c.room, name) - g));
      if (c.headroom.isRequired) more = Math.min(more, c.headroom.surplus(name));
      scalars.set(name, g + more);
    }
    const toOffer = res.add(res.fromQuantities(scalars), res.filter(avail, (e) => !res.isUnreservedNonRevocableScalar(e)));

    if (!allocatable(toOffer, framework, role, c.defaults)) return null;
    if (filtered(c.cluster, framework, role, agent, toOffer, c.now)) return null;
    return toOffer;
  }
}
