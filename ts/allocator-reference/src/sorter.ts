// Weighted DRF order over the live role tree, and DRF order of the frameworks
// inside one role (SEMANTICS.md, "Order"). Both are recomputed from current
// allocations whenever asked, so an order is never stale after a take.

import type { Cluster } from './cluster.js';
import { share } from './quantities.js';
import { parentOf } from './roles.js';
import type { FrameworkState } from './state.js';

/** Candidate frameworks by role: active, subscribed, not suppressed. */
export type Candidates = Map<string, FrameworkState[]>;

export function candidatesByRole(cluster: Cluster): Candidates {
  const byRole: Candidates = new Map();
  for (const framework of cluster.frameworks.values()) {
    if (!framework.active) continue;
    for (const role of framework.roles) {
      if (framework.suppressed.has(role)) continue;
      let list = byRole.get(role);
      if (list === undefined) byRole.set(role, (list = []));
      list.push(framework);
    }
  }
  return byRole;
}

/** Not a valid role name, so it cannot collide with one. */
const ROOT = '';

interface OrderEntry {
  /** SELF(P) yields the role; CHILD(C) recurses into it. */
  readonly self: boolean;
  readonly role: string;
  readonly share: number;
}

function byShareThenPath(a: OrderEntry, b: OrderEntry): number {
  if (a.share !== b.share) return a.share < b.share ? -1 : 1;
  return a.role < b.role ? -1 : a.role > b.role ? 1 : 0;
}

/**
 * The roles a scan visits, in order: a pre-order walk of the live role tree
 * where, at each node, the node itself (keyed by its own allocation) competes
 * with its live children (keyed by their subtrees' allocations).
 */
export function roleOrder(cluster: Cluster, candidates: Candidates): string[] {
  const children = liveChildren(candidates);
  const order: string[] = [];
  const visit = (node: string): void => {
    const entries: OrderEntry[] = [];
    if (node !== ROOT && candidates.has(node)) {
      const state = cluster.roles.get(node);
      const s = state === undefined ? 0 : share(state.allocated, cluster.total) / state.weight;
      entries.push({ self: true, role: node, share: s });
    }
    for (const child of children.get(node) ?? []) {
      const state = cluster.roles.get(child);
      const s = state === undefined ? 0 : share(state.subtreeAllocated, cluster.total) / state.weight;
      entries.push({ self: false, role: child, share: s });
    }
    entries.sort(byShareThenPath);
    for (const entry of entries) {
      if (entry.self) order.push(entry.role);
      else visit(entry.role);
    }
  };
  visit(ROOT);
  return order;
}

/** parent → live children; a role is live if it or a descendant has a candidate. */
function liveChildren(candidates: Candidates): Map<string, Set<string>> {
  const children = new Map<string, Set<string>>();
  for (const role of candidates.keys()) {
    let child = role;
    for (;;) {
      const parent = parentOf(child) ?? ROOT;
      let set = children.get(parent);
      if (set === undefined) children.set(parent, (set = new Set()));
      if (set.has(child)) break; // its ancestors are linked already
      set.add(child);
      if (parent === ROOT) break;
      child = parent;
    }
  }
  return children;
}

/** Candidates of a role by (share(alloc(f, R)), framework id), unweighted. */
export function frameworkOrder(cluster: Cluster, role: string, candidates: Candidates): FrameworkState[] {
  const list = candidates.get(role) ?? [];
  const keyed = list.map((framework) => {
    const alloc = framework.allocated.get(role);
    return { framework, share: alloc === undefined ? 0 : share(alloc, cluster.total) };
  });
  keyed.sort((a, b) => {
    if (a.share !== b.share) return a.share < b.share ? -1 : 1;
    return a.framework.id < b.framework.id ? -1 : 1;
  });
  return keyed.map((k) => k.framework);
}
