// place(): plans tasks onto agents over the current free resources, changing
// nothing (SEMANTICS.md, "Placement"). Requests go in the order given, one task
// at a time; each task goes to the best eligible agent and shrinks a working
// copy of that agent's free pools. When a request runs out of eligible agents,
// every active agent is classified by the first check it fails, so the result
// explains the shortfall.

import type { Assignment, PlacementShortfall, RequestOutcome } from '@tessera/allocator/types';
import type { PlacementPolicy } from './agent-order.js';
import { hasGpus } from './candidate-checks.js';
import type { Cluster } from './cluster.js';
import { satisfies } from './constraints.js';
import { FreePools } from './free-pools.js';
import type { TaskRequest } from './placement-request.js';
import { get } from './quantities.js';
import type { Quantities } from './quantities.js';
import { limitRoom, roomFor } from './quota.js';
import { Placement } from './results.js';
import { selfAndAncestors } from './roles.js';
import type { AgentState } from './state.js';

type Check = keyof PlacementShortfall;

export function place(cluster: Cluster, requests: readonly TaskRequest[], strategy: PlacementPolicy): Placement {
  const planner = new Planner(cluster, strategy);
  const outcomes = requests.map((request, index) => planner.placeRequest(request, index));
  return new Placement(planner.assignments, outcomes);
}

class Planner {
  readonly assignments: Assignment[] = [];
  private readonly byPair = new Map<string, Assignment>();
  private readonly agents: AgentState[] = [];
  private readonly pools = new Map<string, FreePools>();
  /** Unreserved amounts this call's tasks took, per role and each ancestor. */
  private readonly placedUnreserved = new Map<string, Quantities>();

  constructor(
    private readonly cluster: Cluster,
    private readonly strategy: PlacementPolicy,
  ) {
    for (const agent of cluster.agents.values()) {
      if (!agent.active) continue;
      this.agents.push(agent);
      this.pools.set(agent.id, new FreePools(agent.free));
    }
  }

  placeRequest(request: TaskRequest, index: number): RequestOutcome {
    const { role } = request;
    const dominant = dominantResource(request.resources, this.cluster.total);
    // Constraints and GPUs do not change while a request is placed.
    const fixedFailure = new Map<string, Check | null>();
    for (const agent of this.agents) fixedFailure.set(agent.id, this.fixedCheck(agent, request));
    const tasksOn = new Map<string, number>();
    let placed = 0;

    const firstFailure = (agent: AgentState, room: Quantities): Check | null => {
      const fixed = fixedFailure.get(agent.id)!;
      if (fixed !== null) return fixed;
      if ((tasksOn.get(agent.id) ?? 0) >= request.maxPerAgent) return 'maxPerAgent';
      const pools = this.pools.get(agent.id)!;
      for (const [name, amount] of request.resources) {
        if (pools.availFor(name, role) < amount) return 'insufficient';
      }
      // Reserved pools are drawn first; only the rest is unreserved and limited.
      for (const [name, amount] of request.resources) {
        const unreserved = Math.max(0, amount - pools.reservedFor(name, role));
        if (unreserved > roomFor(room, name)) return 'quotaLimit';
      }
      return null;
    };

    while (placed < request.count) {
      const room = limitRoom(this.cluster, role, this.placedUnreserved);
      const best = this.bestAgent(dominant, role, (agent) => firstFailure(agent, room) === null);
      if (best === null) {
        const shortfall: PlacementShortfall = { constraint: 0, gpu: 0, maxPerAgent: 0, insufficient: 0, quotaLimit: 0 };
        for (const agent of this.agents) shortfall[firstFailure(agent, room)!]++;
        return { placed, shortfall };
      }
      this.takeTask(best, request);
      tasksOn.set(best.id, (tasksOn.get(best.id) ?? 0) + 1);
      this.record(index, best.id);
      placed++;
    }
    return { placed };
  }

  private fixedCheck(agent: AgentState, request: TaskRequest): Check | null {
    if (!satisfies(agent, request.constraints)) return 'constraint';
    if (hasGpus(agent) && !(get(request.resources, 'gpus') > 0 || request.gpuAware)) return 'gpu';
    return null;
  }

  /** binpack: least availFor(a, d) first; spread: most. Ties to the smaller seq. */
  private bestAgent(dominant: string | null, role: string, eligible: (a: AgentState) => boolean): AgentState | null {
    let best: AgentState | null = null;
    let bestKey = 0;
    for (const agent of this.agents) {
      if (!eligible(agent)) continue;
      const key = dominant === null ? 0 : this.pools.get(agent.id)!.availFor(dominant, role);
      const better =
        best === null ||
        (this.strategy === 'binpack' ? key < bestKey : key > bestKey) ||
        (key === bestKey && agent.seq < best.seq);
      if (better) {
        best = agent;
        bestKey = key;
      }
    }
    return best;
  }

  private takeTask(agent: AgentState, request: TaskRequest): void {
    const pools = this.pools.get(agent.id)!;
    for (const [name, amount] of request.resources) {
      const unreserved = pools.take(name, amount, request.role);
      if (unreserved === 0) continue;
      for (const role of selfAndAncestors(request.role)) {
        let q = this.placedUnreserved.get(role);
        if (q === undefined) this.placedUnreserved.set(role, (q = new Map()));
        q.set(name, get(q, name) + unreserved);
      }
    }
  }

  /** Assignments are per (request, agent), in the order of each pair's first task. */
  private record(request: number, agentId: string): void {
    const key = `${request}\u0000${agentId}`;
    const known = this.byPair.get(key);
    if (known !== undefined) {
      known.count++;
      return;
    }
    const assignment: Assignment = { request, agentId, count: 1 };
    this.byPair.set(key, assignment);
    this.assignments.push(assignment);
  }
}

/**
 * The request's scalar name that is the largest fraction of the cluster, ties to
 * the smaller name; null when the cluster has none of the names it asks for.
 */
export function dominantResource(resources: Quantities, clusterTotal: Quantities): string | null {
  let dominant: string | null = null;
  let max = -1;
  for (const name of [...resources.keys()].sort()) {
    const total = get(clusterTotal, name);
    if (total <= 0) continue;
    const fraction = get(resources, name) / total;
    if (fraction > max) {
      max = fraction;
      dominant = name;
    }
  }
  return dominant;
}
