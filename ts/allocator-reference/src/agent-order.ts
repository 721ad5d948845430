// The order in which an allocation cycle visits agents: fixed at the start of the
// cycle, by utilisation, ties in a deterministic per-cycle shuffle, then by seq.

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

/**
 * shuffle(s, c) = fmix32((s mod 2^32) XOR (c × 0x9E3779B1)), all in 32-bit
 * unsigned arithmetic: MurmurHash3's finalizer, so ties change places from one
 * cycle to the next (SEMANTICS.md, "Agent order").
 */
export function shuffle(seq: number, cycle: number): number {
  let h = ((seq >>> 0) ^ Math.imul(cycle >>> 0, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** binpack fills the fullest agents first; spread the emptiest. Ties by shuffle, then seq. */
export function agentOrder(cluster: Cluster, policy: PlacementPolicy, cycle: number): AgentState[] {
  const keyed: Array<{ agent: AgentState; util: number; tie: number }> = [];
  for (const agent of cluster.agents.values()) {
    if (agent.active) keyed.push({ agent, util: utilisation(agent), tie: shuffle(agent.seq, cycle) });
  }
  const direction = policy === 'binpack' ? -1 : 1;
  keyed.sort((a, b) =>
    a.util !== b.util ? direction * (a.util < b.util ? -1 : 1) : a.tie !== b.tie ? a.tie - b.tie : a.agent.seq - b.agent.seq,
  );
  return keyed.map((k) => k.agent);
}
