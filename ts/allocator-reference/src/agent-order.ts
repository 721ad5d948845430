// The order in which an allocation cycle visits agents: fixed at the start of the
// cycle, deterministic (Mesos shuffles), by utilisation then seq.

import type { Cluster } from './cluster.js';
import * as res from './resources.js';
import type { AgentState } from './state.js';

export type PlacementPolicy = 'binpack' | 'spread';

/**
 * util(a): the largest used fraction over the scalar names the agent has, with
 * offered and used both counting as used. Divided on integer thousandths.
 */
export function utilisation(agent: AgentState): number {
  const total = res.scalarQuantities(agent.total);
  const free = res.scalarQuantities(agent.free);
  let max = 0;
  for (const [name, t] of total) {
    if (t <= 0) continue;
    const u = (t - (free.get(name) ?? 0)) / t;
    if (u > max) max = u;
  }
  return max;
}

/** binpack fills the fullest agents first; spread the emptiest. Ties by seq. */
export function agentOrder(cluster: Cluster, policy: PlacementPolicy): AgentState[] {
  const keyed: Array<{ agent: AgentState; util: number }> = [];
  for (const agent of cluster.agents.values()) {
    if (agent.active) keyed.push({ agent, util: utilisation(agent) });
  }
  const direction = policy === 'binpack' ? -1 : 1;
  keyed.sort((a, b) => (a.util !== b.util ? direction * (a.util < b.util ? -1 : 1) : a.agent.seq - b.agent.seq));
  return keyed.map((k) => k.agent);
}
