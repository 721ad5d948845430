// Read-only snapshots of the state, as fresh plain objects: callers may keep or
// change them without touching the allocator. Resources are in canonical order,
// quantities hold non-zero entries only, lists are sorted so that two
// implementations with the same state produce equal views.

import type { AgentView, FrameworkView, Offer, RoleView } from '@tessera/allocator/types';
import type { Cluster } from './cluster.js';
import { hasPositive, share, toApiQuantities, toApiQuantitiesKeepingZeros } from './quantities.js';
import * as res from './resources.js';
import { newRoleState } from './state.js';
import type { AgentState, FrameworkState, OfferState } from './state.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function offerView(offer: OfferState): Offer {
  return {
    id: offer.id,
    frameworkId: offer.frameworkId,
    role: offer.role,
    agentId: offer.agentId,
    resources: res.toApi(offer.resources),
  };
}

export function agentView(cluster: Cluster, agent: AgentState): AgentView {
  const offered = [...agent.offers].sort((a, b) => a - b).map((id) => {
    const offer = cluster.offers.get(id)!;
    return { offerId: id, frameworkId: offer.frameworkId, role: offer.role, resources: res.toApi(offer.resources) };
  });
  const used = [...agent.used.values()]
    .filter((u) => !res.isEmpty(u.resources))
    .sort((a, b) => byString(a.frameworkId, b.frameworkId) || byString(a.role, b.role))
    .map((u) => ({ frameworkId: u.frameworkId, role: u.role, resources: res.toApi(u.resources) }));
  return {
    id: agent.id,
    hostname: agent.hostname,
    attributes: Object.fromEntries([...agent.attributes].map(([name, a]) => [name, a.value])),
    active: agent.active,
    total: res.toApi(agent.total),
    free: res.toApi(agent.free),
    offered,
    used,
  };
}

export function frameworkView(framework: FrameworkState): FrameworkView {
  const allocated: FrameworkView['allocated'] = {};
  for (const role of [...framework.allocated.keys()].sort(byString)) {
    const q = framework.allocated.get(role)!;
    if (hasPositive(q)) allocated[role] = toApiQuantities(q);
  }
  return {
    id: framework.id,
    roles: [...framework.roles].sort(byString),
    active: framework.active,
    suppressedRoles: [...framework.suppressed].sort(byString),
    capabilities: [...framework.capabilities].sort(byString),
    allocated,
  };
}

/** Every valid role name has a view; roles never referenced show the defaults. */
export function roleView(cluster: Cluster, name: string): RoleView {
  const state = cluster.roles.get(name) ?? newRoleState();
  return {
    name,
    weight: state.weight,
    guarantees: toApiQuantities(state.guarantees),
    limits: toApiQuantitiesKeepingZeros(state.limits),
    allocated: toApiQuantities(state.allocated),
    subtreeAllocated: toApiQuantities(state.subtreeAllocated),
    consumedQuota: toApiQuantities(state.consumed),
    share: share(state.subtreeAllocated, cluster.total) / state.weight,
  };
}
