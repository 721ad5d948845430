// The checks an allocation cycle applies to a candidate (agent, role, framework),
// shared by the quota stage and the fair-share stage.

import { satisfies } from './constraints.js';
import type { Cluster } from './cluster.js';
import * as res from './resources.js';
import type { Resources } from './resources.js';
import type { AgentState, FrameworkState, MinAllocatable } from './state.js';

/** excluded(f, R, a): f constrains its offers for R and the agent meets no group. */
export function excluded(framework: FrameworkState, role: string, agent: AgentState): boolean {
  const groups = framework.offerConstraints.get(role);
  return groups !== undefined && !satisfies(agent, groups);
}

export function hasGpus(agent: AgentState): boolean {
  return res.quantity(agent.total, 'gpus') > 0;
}

/** GPU agents are kept for frameworks that can use GPUs. */
export function gpuBlocked(framework: FrameworkState, agent: AgentState): boolean {
  return hasGpus(agent) && !framework.capabilities.has('GPU_RESOURCES');
}

/** stripped(f, x): revocable resources only go to frameworks that accept them. */
export function stripped(framework: FrameworkState, x: Resources): Resources {
  return framework.capabilities.has('REVOCABLE_RESOURCES') ? x : res.withoutRevocable(x);
}

/**
 * allocatable(x, f, R): x is worth offering, that is not empty and, unless the
 * minimum is empty, holding all of at least one of the minimum's alternatives.
 */
export function allocatable(
  x: Resources,
  framework: FrameworkState,
  role: string,
  defaults: MinAllocatable,
): boolean {
  if (res.isEmpty(x)) return false;
  const mins = framework.minAllocatable.get(role) ?? defaults;
  if (mins.length === 0) return true;
  return mins.some((q) => {
    for (const [name, t] of q) if (res.quantity(x, name) < t) return false;
    return true;
  });
}

/** filtered(f, R, a, x). */
export function filtered(cluster: Cluster, framework: FrameworkState, role: string, agent: AgentState, x: Resources, now: number): boolean {
  return cluster.filters.isFiltered(framework.id, role, agent.id, x, now);
}
