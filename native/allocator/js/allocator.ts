// The Allocator: the native allocator behind the AllocatorApi interface. Each
// method hands its arguments to the binding as they are (the binding's input
// types mirror ./types.ts), and turns every failure into a typed
// AllocatorError. The only state kept here is the handle → id tables that let
// results stay flat arrays.

import type { NameTable } from './allocation.js';
import { NativeAllocation } from './allocation.js';
import { AllocatorError, InvalidArgumentError, toAllocatorError, UnknownAgentError, UnknownFrameworkError } from './errors.js';
import { binding, type NativeAllocator } from './native.js';
import { NativePlacement } from './placement.js';
import { cleanResources, sortedQuantities } from './resources.js';
import {
  agentChangesShape,
  agentShape,
  frameworkChangesShape,
  frameworkShape,
  mismatch,
  optionsShape,
  placementRequestShape,
  quotaShape,
  resourcesShape,
  type Shape,
  weightsShape,
} from './shapes.js';
import type {
  AgentChanges,
  AgentSpec,
  AgentView,
  Allocation,
  AllocatorApi,
  AllocatorOptions,
  AllocatorStats,
  Capability,
  FilterOptions,
  FrameworkChanges,
  FrameworkSpec,
  FrameworkView,
  Offer,
  Placement,
  PlacementOptions,
  PlacementRequest,
  QuotaSpec,
  ResourcesLike,
  RoleView,
} from './types.js';

type Arg = readonly [value: unknown, shape: Shape, path: string];

const DEFAULT_REFUSE_SECONDS = 5;

/** Options objects may be omitted, but not null or another kind of value. */
function options<T extends object>(op: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  const m = mismatch(value, { object: {} }, 'options');
  if (m) throw new InvalidArgumentError(`${op}: ${m}`);
  return value;
}

function checkNumber(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number') throw new InvalidArgumentError(`${op}: ${field}: expected a number, got ${typeof value}`);
  return value;
}

function offerIds(op: string, ids: unknown): Float64Array {
  if (ids instanceof Float64Array) return ids;
  if (typeof ids === 'number') return Float64Array.of(ids);
  if (ids !== null && typeof ids === 'object' && typeof (ids as ArrayLike<unknown>).length === 'number') {
    // Non-numbers become NaN, which the allocator rejects naming the index.
    return Float64Array.from(ids as ArrayLike<unknown>, (v) => (typeof v === 'number' ? v : NaN));
  }
  throw new InvalidArgumentError(`${op}: offerIds: expected an offer id or an array of them, got ${typeof ids}`);
}

function stringList(op: string, field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const m = mismatch(value, { array: 'string' }, field);
  if (m) throw new InvalidArgumentError(`${op}: ${m}`);
  return [...(value as string[])];
}

export class Allocator implements AllocatorApi {
  readonly #native: NativeAllocator;
  readonly #agentIds = new Map<number, string>();
  readonly #agentHandles = new Map<string, number>();
  readonly #frameworkIds = new Map<number, string>();
  readonly #frameworkHandles = new Map<string, number>();
  readonly #roles: string[] = [];
  readonly #resourceNames: string[] = [];
  readonly #names: NameTable;

  constructor(opts?: AllocatorOptions) {
    const o = options('new Allocator', opts);
    this.#native = this.#call('new Allocator', [[o, optionsShape, 'options']], () => new binding.NativeAllocator(o as never));
    this.#names = {
      frameworkId: (h) => {
        const id = this.#frameworkIds.get(h);
        if (id === undefined) throw new UnknownFrameworkError(`the framework of this offer (handle ${h}) has been removed`);
        return id;
      },
      agentId: (h) => {
        const id = this.#agentIds.get(h);
        if (id === undefined) throw new UnknownAgentError(`the agent of this result (handle ${h}) has been removed`);
        return id;
      },
      role: (i) => (this.#roles[i] ??= this.#native.roleName(i) ?? `#${i}`),
      resource: (i) => (this.#resourceNames[i] ??= this.#native.resourceName(i) ?? `#${i}`),
    };
  }

  /**
   * Runs a native call after checking the arguments' shapes; whatever is thrown
   * becomes an AllocatorError whose message names the operation and the field.
   */
  #call<T>(op: string, args: readonly Arg[], fn: () => T): T {
    for (const [value, shape, path] of args) {
      const m = mismatch(value, shape, path);
      if (m) throw new InvalidArgumentError(`${op}: ${m}`);
    }
    try {
      return fn();
    } catch (thrown) {
      throw toAllocatorError(op, thrown);
    }
  }

  #idArg(op: string, field: string, id: unknown): string {
    if (typeof id !== 'string') throw new InvalidArgumentError(`${op}: ${field}: expected a string, got ${typeof id}`);
    return id;
  }

  // ---- frameworks -------------------------------------------------------

  addFramework(spec: FrameworkSpec): void {
    const handle = this.#call('addFramework', [[spec, frameworkShape, 'spec']], () => this.#native.addFramework(spec as never));
    this.#frameworkIds.set(handle, spec.id);
    this.#frameworkHandles.set(spec.id, handle);
  }

  updateFramework(id: string, changes: FrameworkChanges): void {
    this.#idArg('updateFramework', 'id', id);
    this.#call('updateFramework', [[changes, frameworkChangesShape, 'changes']], () => this.#native.updateFramework(id, changes as never));
  }

  activateFramework(id: string): void {
    this.#idArg('activateFramework', 'id', id);
    this.#call('activateFramework', [], () => this.#native.activateFramework(id));
  }

  deactivateFramework(id: string): void {
    this.#idArg('deactivateFramework', 'id', id);
    this.#call('deactivateFramework', [], () => this.#native.deactivateFramework(id));
  }

  removeFramework(id: string): number[] {
    this.#idArg('removeFramework', 'id', id);
    const rescinded = this.#call('removeFramework', [], () => this.#native.removeFramework(id));
    const handle = this.#frameworkHandles.get(id);
    if (handle !== undefined) this.#frameworkIds.delete(handle);
    this.#frameworkHandles.delete(id);
    return rescinded;
  }

  suppress(frameworkId: string, roles?: readonly string[]): void {
    this.#idArg('suppress', 'frameworkId', frameworkId);
    const list = stringList('suppress', 'roles', roles);
    this.#call('suppress', [], () => this.#native.suppress(frameworkId, list));
  }

  revive(frameworkId: string, roles?: readonly string[]): void {
    this.#idArg('revive', 'frameworkId', frameworkId);
    const list = stringList('revive', 'roles', roles);
    this.#call('revive', [], () => this.#native.revive(frameworkId, list));
  }

  // ---- agents -----------------------------------------------------------

  addAgent(spec: AgentSpec): void {
    const handle = this.#call('addAgent', [[spec, agentShape, 'agent']], () => this.#native.addAgent(spec as never));
    this.#agentIds.set(handle, spec.id);
    this.#agentHandles.set(spec.id, handle);
  }

  addAgents(specs: readonly AgentSpec[]): void {
    const handles = this.#call('addAgents', [[specs, { array: agentShape }, 'agents']], () =>
      this.#native.addAgents(specs as never),
    );
    for (let i = 0; i < handles.length; i++) {
      const id = specs[i]!.id;
      this.#agentIds.set(handles[i]!, id);
      this.#agentHandles.set(id, handles[i]!);
    }
  }

  updateAgent(id: string, changes: AgentChanges): number[] {
    this.#idArg('updateAgent', 'id', id);
    return this.#call('updateAgent', [[changes, agentChangesShape, 'changes']], () => this.#native.updateAgent(id, changes as never));
  }

  activateAgent(id: string): void {
    this.#idArg('activateAgent', 'id', id);
    this.#call('activateAgent', [], () => this.#native.activateAgent(id));
  }

  deactivateAgent(id: string): void {
    this.#idArg('deactivateAgent', 'id', id);
    this.#call('deactivateAgent', [], () => this.#native.deactivateAgent(id));
  }

  removeAgent(id: string): number[] {
    this.#idArg('removeAgent', 'id', id);
    const rescinded = this.#call('removeAgent', [], () => this.#native.removeAgent(id));
    const handle = this.#agentHandles.get(id);
    if (handle !== undefined) this.#agentIds.delete(handle);
    this.#agentHandles.delete(id);
    return rescinded;
  }

  // ---- roles ------------------------------------------------------------

  setWeights(weights: Record<string, number>): void {
    this.#call('setWeights', [[weights, weightsShape, 'weights']], () => this.#native.setWeights(weights));
  }

  setQuota(role: string, quota: QuotaSpec | null): void {
    this.#idArg('setQuota', 'role', role);
    // null clears the quota, as does omitting it.
    this.#call('setQuota', [[quota ?? undefined, { optional: quotaShape }, 'quota']], () => this.#native.setQuota(role, quota ?? undefined));
  }

  // ---- offers -----------------------------------------------------------

  allocate(now: number = Date.now()): Allocation {
    checkNumber('allocate', 'now', now);
    const out = this.#call('allocate', [], () => this.#native.allocate(now));
    return new NativeAllocation(out, this.#names);
  }

  decline(ids: number | ArrayLike<number>, opts?: FilterOptions): void {
    const list = offerIds('decline', ids);
    const o = options('decline', opts);
    const refuse = checkNumber('decline', 'options.refuseSeconds', o.refuseSeconds ?? DEFAULT_REFUSE_SECONDS);
    const now = checkNumber('decline', 'options.now', o.now ?? Date.now());
    this.#call('decline', [], () => this.#native.decline(list, refuse, now));
  }

  accept(ids: number | ArrayLike<number>, used: ResourcesLike, opts?: FilterOptions): void {
    const list = offerIds('accept', ids);
    const o = options('accept', opts);
    const refuse = checkNumber('accept', 'options.refuseSeconds', o.refuseSeconds ?? DEFAULT_REFUSE_SECONDS);
    const now = checkNumber('accept', 'options.now', o.now ?? Date.now());
    this.#call('accept', [[used, resourcesShape, 'used']], () => this.#native.accept(list, used as never, refuse, now));
  }

  rescind(ids: number | ArrayLike<number>): void {
    const list = offerIds('rescind', ids);
    this.#call('rescind', [], () => this.#native.rescind(list));
  }

  recover(frameworkId: string, agentId: string, role: string, resources: ResourcesLike, opts?: FilterOptions): void {
    this.#idArg('recover', 'frameworkId', frameworkId);
    this.#idArg('recover', 'agentId', agentId);
    this.#idArg('recover', 'role', role);
    const o = options('recover', opts);
    const refuse = checkNumber('recover', 'options.refuseSeconds', o.refuseSeconds ?? 0);
    const now = checkNumber('recover', 'options.now', o.now ?? Date.now());
    this.#call('recover', [[resources, resourcesShape, 'resources']], () =>
      this.#native.recover(frameworkId, agentId, role, resources as never, refuse, now),
    );
  }

  // ---- placement --------------------------------------------------------

  place(requests: readonly PlacementRequest[], opts?: PlacementOptions): Placement {
    const o = options('place', opts);
    const out = this.#call(
      'place',
      [
        [requests, { array: placementRequestShape }, 'requests'],
        [o.strategy, { optional: 'string' }, 'options.strategy'],
      ],
      () => this.#native.place(requests as never, o.strategy),
    );
    return new NativePlacement(out, this.#names);
  }

  // ---- views ------------------------------------------------------------

  agent(id: string): AgentView {
    this.#idArg('agent', 'id', id);
    const v = this.#call('agent', [], () => this.#native.agent(id));
    const attributes: Record<string, string | number> = {};
    for (const k of Object.keys(v.attributes).sort()) attributes[k] = v.attributes[k]!;
    return {
      id: v.id,
      hostname: v.hostname,
      attributes,
      active: v.active,
      total: cleanResources(v.total),
      free: cleanResources(v.free),
      offered: v.offered.map((o) => ({ offerId: o.offerId, frameworkId: o.frameworkId, role: o.role, resources: cleanResources(o.resources) })),
      used: v.used.map((u) => ({ frameworkId: u.frameworkId, role: u.role, resources: cleanResources(u.resources) })),
    };
  }

  framework(id: string): FrameworkView {
    this.#idArg('framework', 'id', id);
    const v = this.#call('framework', [], () => this.#native.framework(id));
    const allocated: Record<string, Record<string, number>> = {};
    for (const role of Object.keys(v.allocated).sort()) allocated[role] = sortedQuantities(v.allocated[role]!);
    return {
      id: v.id,
      roles: v.roles,
      active: v.active,
      suppressedRoles: v.suppressedRoles,
      capabilities: v.capabilities as Capability[],
      allocated,
    };
  }

  role(name: string): RoleView {
    this.#idArg('role', 'name', name);
    const v = this.#call('role', [], () => this.#native.role(name));
    return {
      name: v.name,
      weight: v.weight,
      guarantees: sortedQuantities(v.guarantees),
      limits: sortedQuantities(v.limits),
      allocated: sortedQuantities(v.allocated),
      subtreeAllocated: sortedQuantities(v.subtreeAllocated),
      consumedQuota: sortedQuantities(v.consumedQuota),
      share: v.share,
    };
  }

  offer(id: number): Offer | undefined {
    checkNumber('offer', 'id', id);
    const o = this.#call('offer', [], () => this.#native.offer(id));
    if (!o) return undefined;
    return { id: o.id, frameworkId: o.frameworkId, role: o.role, agentId: o.agentId, resources: cleanResources(o.resources) };
  }

  roleOrder(): string[] {
    return this.#call('roleOrder', [], () => this.#native.roleOrder());
  }

  frameworkOrder(role: string): string[] {
    this.#idArg('frameworkOrder', 'role', role);
    return this.#call('frameworkOrder', [], () => this.#native.frameworkOrder(role));
  }

  stats(): AllocatorStats {
    return { ...this.#call('stats', [], () => this.#native.stats()) };
  }
}
