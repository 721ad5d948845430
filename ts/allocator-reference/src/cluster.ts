// The allocator's state and the bookkeeping that keeps its derived numbers in
// step: agents' free resources, alloc(f, R), self(R), subtree(R), consumed(R),
// the cluster total and the headroom sums. Every change of who holds what goes
// through the few methods here, so the numbers cannot drift apart.

import { InternalError } from '@tessera/allocator/errors';
import { FilterStore } from './filters.js';
import { ResourceKinds } from './parse-resources.js';
import { addInto, hasPositive } from './quantities.js';
import type { Quantities } from './quantities.js';
import * as res from './resources.js';
import type { Resources } from './resources.js';
import { selfAndAncestors } from './roles.js';
import { newRoleState, usedKey } from './state.js';
import type { AgentState, FrameworkState, OfferState, RoleState } from './state.js';

export class Cluster {
  readonly agents = new Map<string, AgentState>();
  readonly frameworks = new Map<string, FrameworkState>();
  readonly offers = new Map<number, OfferState>();
  /** Roles that have a weight, a quota or held resources; others have defaults. */
  readonly roles = new Map<string, RoleState>();
  readonly filters = new FilterStore();
  readonly kinds = new ResourceKinds();

  /** Scalar quantities of all agents' totals, active or not. */
  readonly total: Quantities = new Map();
  /** Unreserved non-revocable scalars of all agents' totals. */
  readonly unreservedTotal: Quantities = new Map();
  /** Unreserved non-revocable scalars offered or used on any agent. */
  readonly unreservedAllocated: Quantities = new Map();

  nextOfferId = 1;
  nextSeq = 0;

  /** The role's record, created with defaults on first need. */
  role(name: string): RoleState {
    let state = this.roles.get(name);
    if (state === undefined) this.roles.set(name, (state = newRoleState()));
    return state;
  }

  hasGuarantees(): boolean {
    for (const state of this.roles.values()) if (hasPositive(state.guarantees)) return true;
    return false;
  }

  /** An agent's total joins (+1) or leaves (−1) the cluster. */
  countTotal(total: Resources, sign: 1 | -1): void {
    addInto(this.total, res.scalarQuantities(total), sign);
    addInto(this.unreservedTotal, res.unreservedNonRevocableScalars(total), sign);
    // Reservations count against their role's quota whether allocated or not.
    for (const e of total) {
      if (e.reservation === null || e.ranges !== null) continue;
      for (const role of selfAndAncestors(e.reservation)) {
        const consumed = this.role(role).consumed;
        consumed.set(e.name, (consumed.get(e.name) ?? 0) + sign * e.scalar);
      }
    }
  }

  /** Resources become (+1) or stop being (−1) offered to or used by f under a role. */
  private charge(frameworkId: string, role: string, resources: Resources, sign: 1 | -1): void {
    const framework = this.framework(frameworkId);
    const all = res.scalarQuantities(resources);
    const unreserved = res.unreservedNonRevocableScalars(resources);
    let alloc = framework.allocated.get(role);
    if (alloc === undefined) framework.allocated.set(role, (alloc = new Map()));
    addInto(alloc, all, sign);
    addInto(this.role(role).allocated, all, sign);
    for (const r of selfAndAncestors(role)) {
      const state = this.role(r);
      addInto(state.subtreeAllocated, all, sign);
      addInto(state.consumed, unreserved, sign);
    }
    addInto(this.unreservedAllocated, unreserved, sign);
  }

  makeOffer(frameworkId: string, role: string, agent: AgentState, resources: Resources): OfferState {
    const offer: OfferState = { id: this.nextOfferId++, frameworkId, role, agentId: agent.id, resources };
    agent.free = res.subtract(agent.free, resources);
    this.charge(frameworkId, role, resources, 1);
    this.offers.set(offer.id, offer);
    agent.offers.add(offer.id);
    this.framework(frameworkId).offers.add(offer.id);
    return offer;
  }

  /** The offer goes away and its resources return to the agent's free pool. */
  dropOffer(offer: OfferState): void {
    const agent = this.agent(offer.agentId);
    agent.free = res.add(agent.free, offer.resources);
    this.charge(offer.frameworkId, offer.role, offer.resources, -1);
    this.offers.delete(offer.id);
    agent.offers.delete(offer.id);
    this.framework(offer.frameworkId).offers.delete(offer.id);
  }

  addUsed(agent: AgentState, frameworkId: string, role: string, resources: Resources): void {
    if (res.isEmpty(resources)) return;
    const key = usedKey(frameworkId, role);
    const used = agent.used.get(key);
    if (used === undefined) agent.used.set(key, { frameworkId, role, resources });
    else used.resources = res.add(used.resources, resources);
    agent.free = res.subtract(agent.free, resources);
    this.charge(frameworkId, role, resources, 1);
  }

  /** The caller has checked that the framework holds these resources there. */
  removeUsed(agent: AgentState, frameworkId: string, role: string, resources: Resources): void {
    if (res.isEmpty(resources)) return;
    const key = usedKey(frameworkId, role);
    const used = agent.used.get(key);
    if (used === undefined) throw new InternalError(`removeUsed: ${frameworkId} holds nothing under ${role} on ${agent.id}`);
    used.resources = res.subtract(used.resources, resources);
    if (res.isEmpty(used.resources)) agent.used.delete(key);
    agent.free = res.add(agent.free, resources);
    this.charge(frameworkId, role, resources, -1);
  }

  /** Rescinds offers, returning their ids ascending. */
  rescindAll(offerIds: Iterable<number>): number[] {
    const ids = [...offerIds].sort((a, b) => a - b);
    for (const id of ids) this.dropOffer(this.offers.get(id)!);
    return ids;
  }

  agent(id: string): AgentState {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new InternalError(`no agent ${id}`);
    return agent;
  }

  framework(id: string): FrameworkState {
    const framework = this.frameworks.get(id);
    if (framework === undefined) throw new InternalError(`no framework ${id}`);
    return framework;
  }

  /** Σ of the resources used on the agent. */
  usedOn(agent: AgentState): Resources {
    let sum = res.NONE;
    for (const used of agent.used.values()) sum = res.add(sum, used.resources);
    return sum;
  }
}
