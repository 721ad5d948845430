// One allocation cycle (SEMANTICS.md, "The allocation cycle"). The pipeline:
//
//   agent order (fixed for the cycle)
//     → stage 1, quota guarantees   (only if some role has guarantees)
//     → stage 2, fair share         (everyone; counts rejections)
//
// Within a stage each agent is scanned again and again: a scan walks the role
// order and each role's framework order and stops at the first take, so the
// next scan sees the shares that take changed. An agent is done when a scan
// takes nothing or its free resources run out.

import type { PassedOver } from '@tessera/allocator/types';
import { agentOrder } from './agent-order.js';
import type { PlacementPolicy } from './agent-order.js';
import type { Cluster } from './cluster.js';
import { FairShareStage, noRejections } from './fair-share-stage.js';
import { Headroom, limitRoom } from './quota.js';
import { QuotaStage } from './quota-stage.js';
import * as res from './resources.js';
import { candidatesByRole, frameworkOrder, roleOrder } from './sorter.js';
import type { Candidates } from './sorter.js';
import type { Stage } from './stage.js';
import type { AgentState, MinAllocatable, OfferState } from './state.js';

export interface CycleConfig {
  readonly placement: PlacementPolicy;
  readonly minAllocatable: MinAllocatable;
}

export interface CycleResult {
  readonly offers: OfferState[];
  readonly passedOver: PassedOver;
}

/** Runs cycle number `cycle` (counted from 1) at `now`. */
export function runCycle(cluster: Cluster, config: CycleConfig, now: number, cycle: number): CycleResult {
  const agents = agentOrder(cluster, config.placement, cycle);
  // Who is a candidate cannot change during a cycle; only shares do.
  const candidates = candidatesByRole(cluster);
  const offers: OfferState[] = [];
  const passedOver = noRejections();
  const scanner = new Scanner(cluster, config, candidates, now);

  if (cluster.hasGuarantees()) {
    const stage = new QuotaStage();
    for (const agent of agents) offers.push(...scanner.drain(agent, stage));
  }
  const stage = new FairShareStage(passedOver);
  for (const agent of agents) offers.push(...scanner.drain(agent, stage));
  return { offers, passedOver };
}

class Scanner {
  constructor(
    private readonly cluster: Cluster,
    private readonly config: CycleConfig,
    private readonly candidates: Candidates,
    private readonly now: number,
  ) {}

  /** Scans the agent until a scan takes nothing or nothing is left. */
  drain(agent: AgentState, stage: Stage): OfferState[] {
    const offers: OfferState[] = [];
    while (!res.isEmpty(agent.free)) {
      const offer = this.scan(agent, stage);
      if (offer === null) break;
      offers.push(offer);
    }
    return offers;
  }

  private scan(agent: AgentState, stage: Stage): OfferState | null {
    const { cluster } = this;
    const headroom = new Headroom(cluster);
    for (const role of roleOrder(cluster, this.candidates)) {
      if (!stage.visits(cluster, role)) continue;
      const avail = res.allocatableTo(agent.free, role);
      if (res.isEmpty(avail)) continue;
      const room = limitRoom(cluster, role);
      for (const framework of frameworkOrder(cluster, role, this.candidates)) {
        const toOffer = stage.evaluate({
          cluster,
          agent,
          role,
          framework,
          avail,
          room,
          headroom,
          now: this.now,
          defaults: this.config.minAllocatable,
        });
        if (toOffer !== null) return cluster.makeOffer(framework.id, role, agent, toOffer);
      }
    }
    return null;
  }
}
