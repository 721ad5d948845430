// The reference allocator: the plain TypeScript statement of SEMANTICS.md that
// the native allocator is tested against. Every operation checks all of its
// input first and only then changes state, so an error leaves the state exactly
// as it was. Correctness and readability come before speed here.

import type {
  AgentChanges,
  AgentSpec,
  Allocation as AllocationApi,
  AllocatorApi,
  AllocatorOptions,
  AllocatorStats,
  AgentView,
  FilterOptions,
  FrameworkChanges,
  FrameworkSpec,
  FrameworkView,
  Offer,
  Placement as PlacementApi,
  PlacementOptions,
  PlacementRequest,
  QuotaSpec,
  ResourcesLike,
  RoleView,
} from '@tessera/allocator/types';
import {
  DuplicateFrameworkError,
  InsufficientResourcesError,
  InvalidArgumentError,
  InvalidWeightError,
} from '@tessera/allocator/errors';
import type { ParsedAgent } from './agent-spec.js';
import { checkHostname, parseAgentSpec, parseAttributes } from './agent-spec.js';
import type { PlacementPolicy } from './agent-order.js';
import {
  checkBoolean,
  checkFilterOptions,
  checkId,
  checkNow,
  checkObject,
  checkRoleList,
  expiry,
  knownAgent,
  knownFramework,
  knownOffers,
} from './args.js';
import { Cluster } from './cluster.js';
import { runCycle } from './cycle.js';
import type { CycleConfig } from './cycle.js';
import { checkSuppressedSubscribed, parseFrameworkFields, parseMinAllocatable } from './framework-spec.js';
import { parseResources } from './parse-resources.js';
import { place } from './placement.js';
import { parseRequests } from './placement-request.js';
import { parseQuota } from './quota-spec.js';
import * as res from './resources.js';
import { Allocation } from './results.js';
import { checkRole } from './roles.js';
import { candidatesByRole, frameworkOrder, roleOrder } from './sorter.js';
import { usedKey } from './state.js';
import type { FrameworkState, OfferState } from './state.js';
import { describe } from './units.js';
import { agentView, frameworkView, offerView, roleView } from './views.js';

/** Mesos' default: an offer is worth making with 0.01 cpus or 32 MiB of memory. */
const DEFAULT_MIN_ALLOCATABLE = [new Map([['cpus', 10]]), new Map([['mem', 32_000]])];

export class ReferenceAllocator implements AllocatorApi {
  private readonly cluster = new Cluster();
  private readonly config: CycleConfig;
  /** stats().filters counts the filters active at the last allocate(). */
  private lastCycleAt = -Infinity;
  /** Cycles run so far: the agent order's tie shuffle depends on it. */
  private cycles = 0;

  constructor(options: AllocatorOptions = {}) {
    const path = 'ReferenceAllocator: options';
    const o = checkObject(options, path);
    if (o.sorter === 'random') {
      throw new InvalidArgumentError(`${path}.sorter: the reference allocator implements the drf sorter only`);
    }
    if (o.sorter !== undefined && o.sorter !== 'drf') {
      throw new InvalidArgumentError(`${path}.sorter: must be 'drf' or 'random' (got ${describe(o.sorter)})`);
    }
    this.config = {
      placement: policy(o.placement, `${path}.placement`, 'binpack'),
      minAllocatable:
        o.minAllocatable === undefined ? DEFAULT_MIN_ALLOCATABLE : parseMinAllocatable(o.minAllocatable, `${path}.minAllocatable`),
    };
  }

  // ---- Frameworks ----

  addFramework(spec: FrameworkSpec): void {
    const path = 'addFramework: spec';
    const s = checkObject(spec, path);
    const id = checkId(s.id, `${path}.id`);
    if (this.cluster.frameworks.has(id)) throw new DuplicateFrameworkError(`${path}.id: framework ${JSON.stringify(id)} already exists`);
    if (s.roles === undefined) throw new InvalidArgumentError(`${path}.roles: is required`);
    const fields = parseFrameworkFields(s, path);
    const roles = fields.roles!;
    const suppressed = fields.suppressedRoles ?? new Set<string>();
    checkSuppressedSubscribed(suppressed, roles, `${path}.suppressedRoles`);
    checkKeysSubscribed(fields.minAllocatable, roles, `${path}.minAllocatable`);
    checkKeysSubscribed(fields.offerConstraints, roles, `${path}.offerConstraints`);
    const active = checkBoolean(s.active, `${path}.active`, true);

    this.cluster.frameworks.set(id, {
      id,
      roles,
      capabilities: fields.capabilities ?? new Set(),
      active,
      suppressed,
      minAllocatable: fields.minAllocatable ?? new Map(),
      offerConstraints: fields.offerConstraints ?? new Map(),
      allocated: new Map(),
      offers: new Set(),
    });
  }

  /**
   * Replaces what is given. Leaving a role keeps its offers, used resources and
   * filters; it drops the role's suppression, minimum allocatable and constraints.
   */
  updateFramework(id: string, changes: FrameworkChanges): void {
    const path = 'updateFramework: changes';
    const framework = knownFramework(this.cluster, id, 'updateFramework: id');
    const fields = parseFrameworkFields(checkObject(changes, path), path);
    const roles = fields.roles ?? framework.roles;
    let suppressed: Set<string>;
    if (fields.suppressedRoles !== undefined) {
      suppressed = fields.suppressedRoles;
      checkSuppressedSubscribed(suppressed, roles, `${path}.suppressedRoles`);
    } else {
      suppressed = new Set([...framework.suppressed].filter((role) => roles.has(role)));
    }

    checkKeysSubscribed(fields.minAllocatable, roles, `${path}.minAllocatable`);
    checkKeysSubscribed(fields.offerConstraints, roles, `${path}.offerConstraints`);

    framework.roles = roles;
    framework.suppressed = suppressed;
    if (fields.capabilities !== undefined) framework.capabilities = fields.capabilities;
    // A role the framework leaves takes its settings with it.
    framework.minAllocatable = onlyRoles(fields.minAllocatable ?? framework.minAllocatable, roles);
    framework.offerConstraints = onlyRoles(fields.offerConstraints ?? framework.offerConstraints, roles);
  }

  activateFramework(id: string): void {
    knownFramework(this.cluster, id, 'activateFramework: id').active = true;
  }

  /** Keeps the framework's offers and filters, as SEMANTICS.md asks nothing else. */
  deactivateFramework(id: string): void {
    knownFramework(this.cluster, id, 'deactivateFramework: id').active = false;
  }

  removeFramework(id: string): number[] {
    const framework = knownFramework(this.cluster, id, 'removeFramework: id');
    const { cluster } = this;
    const rescinded = cluster.rescindAll(framework.offers);
    for (const agent of cluster.agents.values()) {
      for (const used of [...agent.used.values()]) {
        if (used.frameworkId === framework.id) cluster.removeUsed(agent, used.frameworkId, used.role, used.resources);
      }
    }
    cluster.filters.removeFramework(framework.id);
    cluster.frameworks.delete(framework.id);
    return rescinded;
  }

  suppress(frameworkId: string, roles?: readonly string[]): void {
    const framework = knownFramework(this.cluster, frameworkId, 'suppress: frameworkId');
    for (const role of this.subscribedRoles(framework, roles, 'suppress: roles')) framework.suppressed.add(role);
  }

  /** Also drops the framework's filters for those roles, so it sees everything again. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const framework = knownFramework(this.cluster, frameworkId, 'revive: frameworkId');
    const revived = this.subscribedRoles(framework, roles, 'revive: roles');
    for (const role of revived) framework.suppressed.delete(role);
    this.cluster.filters.removeFrameworkRoles(framework.id, revived);
  }

  /** The roles given, which must be subscribed, or all subscribed roles. */
  private subscribedRoles(framework: FrameworkState, roles: readonly string[] | undefined, path: string): Set<string> {
    if (roles === undefined) return new Set(framework.roles);
    const list = checkRoleList(roles, path);
    list.forEach((role, i) => {
      if (!framework.roles.has(role)) {
        throw new InvalidArgumentError(`${path}[${i}]: ${framework.id} is not subscribed to ${JSON.stringify(role)}`);
      }
    });
    return new Set(list);
  }

  // ---- Agents ----

  addAgent(spec: AgentSpec): void {
    // Paths as in the error catalogue's example: `addAgent: agents[0].resources[2].scalar`.
    this.addAgentsAt([spec], (i) => `addAgent: agents[${i}]`);
  }

  addAgents(specs: readonly AgentSpec[]): void {
    if (!Array.isArray(specs)) throw new InvalidArgumentError(`addAgents: agents: must be an array (got ${describe(specs)})`);
    this.addAgentsAt(specs, (i) => `addAgents: agents[${i}]`);
  }

  private addAgentsAt(specs: readonly AgentSpec[], pathOf: (i: number) => string): void {
    const { cluster } = this;
    const kinds = cluster.kinds.scope();
    const taken = new Set<string>();
    const parsed: ParsedAgent[] = specs.map((spec, i) => {
      const agent = parseAgentSpec(cluster, spec, pathOf(i), kinds, taken);
      taken.add(agent.id);
      return agent;
    });

    kinds.commit();
    for (const p of parsed) {
      const agent = {
        id: p.id,
        seq: cluster.nextSeq++,
        hostname: p.hostname,
        attributes: p.attributes,
        active: p.active,
        total: p.total,
        free: p.total,
        offers: new Set<number>(),
        used: new Map(),
      };
      cluster.agents.set(agent.id, agent);
      cluster.countTotal(agent.total, 1);
      for (const u of p.used) cluster.addUsed(agent, u.frameworkId, u.role, u.resources);
    }
  }

  /**
   * A new total (any `resources` given, even equal to the old one) rescinds the
   * agent's offers and drops its filters: what was offered or refused may no
   * longer exist.
   */
  updateAgent(id: string, changes: AgentChanges): number[] {
    const path = 'updateAgent: changes';
    const { cluster } = this;
    const agent = knownAgent(cluster, id, 'updateAgent: id');
    const c = checkObject(changes, path);
    const hostname = c.hostname === undefined ? undefined : checkHostname(c.hostname, `${path}.hostname`);
    const attributes = c.attributes === undefined ? undefined : parseAttributes(c.attributes, `${path}.attributes`);
    const kinds = cluster.kinds.scope();
    const total = c.resources === undefined ? undefined : parseResources(c.resources, `${path}.resources`, kinds);
    const used = cluster.usedOn(agent);
    if (total !== undefined && !res.contains(total, used)) {
      throw new InsufficientResourcesError(`${path}.resources: the new total does not hold the resources in use on ${agent.id}`);
    }

    kinds.commit();
    if (hostname !== undefined) agent.hostname = hostname;
    if (attributes !== undefined) agent.attributes = attributes;
    if (total === undefined) return [];
    const rescinded = cluster.rescindAll(agent.offers);
    cluster.filters.removeAgent(agent.id);
    cluster.countTotal(agent.total, -1);
    agent.total = total;
    agent.free = res.subtract(total, used);
    cluster.countTotal(total, 1);
    return rescinded;
  }

  activateAgent(id: string): void {
    knownAgent(this.cluster, id, 'activateAgent: id').active = true;
  }

  deactivateAgent(id: string): void {
    knownAgent(this.cluster, id, 'deactivateAgent: id').active = false;
  }

  removeAgent(id: string): number[] {
    const { cluster } = this;
    const agent = knownAgent(cluster, id, 'removeAgent: id');
    const rescinded = cluster.rescindAll(agent.offers);
    for (const used of [...agent.used.values()]) cluster.removeUsed(agent, used.frameworkId, used.role, used.resources);
    cluster.filters.removeAgent(agent.id);
    cluster.countTotal(agent.total, -1);
    cluster.agents.delete(agent.id);
    return rescinded;
  }

  // ---- Roles ----

  setWeights(weights: Record<string, number>): void {
    const path = 'setWeights: weights';
    const parsed = Object.entries(checkObject(weights, path)).map(([role, weight]) => {
      checkRole(role, `${path}[${JSON.stringify(role)}]`);
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
        throw new InvalidWeightError(`${path}[${JSON.stringify(role)}]: must be a finite number above 0 (got ${describe(weight)})`);
      }
      return [role, weight] as const;
    });
    for (const [role, weight] of parsed) this.cluster.role(role).weight = weight;
  }

  setQuota(role: string, quota: QuotaSpec | null): void {
    checkRole(role, 'setQuota: role');
    const parsed = parseQuota(this.cluster, role, quota, 'setQuota: quota');
    const state = this.cluster.role(role);
    state.guarantees = parsed.guarantees;
    state.limits = parsed.limits;
  }

  // ---- Offers ----

  allocate(now?: number): AllocationApi {
    // The clock never goes back: an earlier `now` (a clock step) counts as the
    // latest one seen.
    const at = Math.max(checkNow(now, 'allocate: now'), this.lastCycleAt);
    this.lastCycleAt = at;
    this.cycles += 1;
    const cycle = runCycle(this.cluster, this.config, at, this.cycles);
    return new Allocation(cycle.offers.map(offerView), cycle.passedOver);
  }

  decline(offerIds: number | ArrayLike<number>, options?: FilterOptions): void {
    const offers = knownOffers(this.cluster, offerIds, 'decline: offerIds');
    const filter = checkFilterOptions(options, 'decline: options', 5);
    for (const offer of offers) {
      this.cluster.dropOffer(offer);
      if (filter.refuseSeconds > 0) this.addFilter(offer, offer.resources, expiry(filter));
    }
  }

  accept(offerIds: number | ArrayLike<number>, used: ResourcesLike, options?: FilterOptions): void {
    const { cluster } = this;
    const offers = knownOffers(cluster, offerIds, 'accept: offerIds');
    const first = offers[0];
    if (first === undefined) throw new InvalidArgumentError('accept: offerIds: must name at least one offer');
    offers.forEach((offer, i) => {
      if (offer.frameworkId !== first.frameworkId || offer.agentId !== first.agentId || offer.role !== first.role) {
        throw new InvalidArgumentError(
          `accept: offerIds[${i}]: offer ${offer.id} is not for the framework, agent and role of offer ${first.id}`,
        );
      }
    });
    const kinds = cluster.kinds.scope();
    const accepted = parseResources(used, 'accept: used', kinds);
    const offered = offers.reduce((sum, offer) => res.add(sum, offer.resources), res.NONE);
    if (!res.contains(offered, accepted)) throw new InsufficientResourcesError('accept: used: more than the offers hold');
    const filter = checkFilterOptions(options, 'accept: options', 5);

    kinds.commit();
    for (const offer of offers) cluster.dropOffer(offer);
    const agent = cluster.agent(first.agentId);
    cluster.addUsed(agent, first.frameworkId, first.role, accepted);
    const rest = res.subtract(offered, accepted);
    if (filter.refuseSeconds > 0 && !res.isEmpty(rest)) this.addFilter(first, rest, expiry(filter));
  }

  rescind(offerIds: number | ArrayLike<number>): void {
    const offers = knownOffers(this.cluster, offerIds, 'rescind: offerIds');
    for (const offer of offers) this.cluster.dropOffer(offer);
  }

  recover(frameworkId: string, agentId: string, role: string, resources: ResourcesLike, options?: FilterOptions): void {
    const { cluster } = this;
    const framework = knownFramework(cluster, frameworkId, 'recover: frameworkId');
    const agent = knownAgent(cluster, agentId, 'recover: agentId');
    checkRole(role, 'recover: role');
    const kinds = cluster.kinds.scope();
    const recovered = parseResources(resources, 'recover: resources', kinds);
    const held = agent.used.get(usedKey(framework.id, role))?.resources ?? res.NONE;
    if (!res.contains(held, recovered)) {
      throw new InsufficientResourcesError(`recover: resources: more than ${framework.id} uses under ${role} on ${agent.id}`);
    }
    const filter = checkFilterOptions(options, 'recover: options', 0);

    kinds.commit();
    cluster.removeUsed(agent, framework.id, role, recovered);
    if (filter.refuseSeconds > 0 && !res.isEmpty(recovered)) {
      cluster.filters.add(framework.id, role, agent.id, recovered, expiry(filter));
    }
  }

  private addFilter(offer: OfferState, refused: res.Resources, expiresAt: number): void {
    this.cluster.filters.add(offer.frameworkId, offer.role, offer.agentId, refused, expiresAt);
  }

  // ---- Placement ----

  /** The strategy defaults to the allocator's placement policy. */
  place(requests: readonly PlacementRequest[], options?: PlacementOptions): PlacementApi {
    const parsed = parseRequests(requests, 'place: requests');
    const o = options === undefined ? {} : checkObject(options, 'place: options');
    const strategy = policy(o.strategy, 'place: options.strategy', this.config.placement);
    return place(this.cluster, parsed, strategy);
  }

  // ---- Views ----

  agent(id: string): AgentView {
    return agentView(this.cluster, knownAgent(this.cluster, id, 'agent: id'));
  }

  framework(id: string): FrameworkView {
    return frameworkView(knownFramework(this.cluster, id, 'framework: id'));
  }

  role(name: string): RoleView {
    return roleView(this.cluster, checkRole(name, 'role: name'));
  }

  offer(id: number): Offer | undefined {
    const offer = this.cluster.offers.get(id);
    return offer === undefined ? undefined : offerView(offer);
  }

  /** The roles a scan visits (those with candidates), in the order it visits them. */
  roleOrder(): string[] {
    return roleOrder(this.cluster, candidatesByRole(this.cluster));
  }

  frameworkOrder(role: string): string[] {
    checkRole(role, 'frameworkOrder: role');
    return frameworkOrder(this.cluster, role, candidatesByRole(this.cluster)).map((f) => f.id);
  }

  stats(): AllocatorStats {
    const { cluster } = this;
    let activeAgents = 0;
    for (const agent of cluster.agents.values()) if (agent.active) activeAgents++;
    return {
      agents: cluster.agents.size,
      activeAgents,
      frameworks: cluster.frameworks.size,
      offers: cluster.offers.size,
      filters: cluster.filters.countActive(this.lastCycleAt),
    };
  }
}

function policy(raw: unknown, path: string, fallback: PlacementPolicy): PlacementPolicy {
  if (raw === undefined) return fallback;
  if (raw !== 'binpack' && raw !== 'spread') {
    throw new InvalidArgumentError(`${path}: must be 'binpack' or 'spread' (got ${describe(raw)})`);
  }
  return raw;
}

/** Per-role settings may only name roles the framework is subscribed to. */
function checkKeysSubscribed(map: Map<string, unknown> | undefined, roles: Set<string>, path: string): void {
  for (const role of map?.keys() ?? []) {
    if (!roles.has(role)) throw new InvalidArgumentError(`${path}.${role}: '${role}' is not one of the framework's roles`);
  }
}

function onlyRoles<T>(map: Map<string, T>, roles: Set<string>): Map<string, T> {
  return new Map([...map].filter(([role]) => roles.has(role)));
}
