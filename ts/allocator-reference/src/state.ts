// The allocator's records (SEMANTICS.md, "State"). Amounts are thousandths,
// resource lists are in normal form.

import type { Capability } from '@tessera/allocator/types';
import type { AttributeValue, CompiledGroups } from './constraints.js';
import type { Quantities } from './quantities.js';
import type { Resources } from './resources.js';

/** Resources a framework holds under a role on an agent. */
export interface Used {
  readonly frameworkId: string;
  readonly role: string;
  resources: Resources;
}

export interface AgentState {
  readonly id: string;
  /** Taken from 0 upwards at each addAgent; breaks ties in agent order. */
  readonly seq: number;
  hostname: string;
  attributes: Map<string, AttributeValue>;
  active: boolean;
  total: Resources;
  /** total − Σ offered − Σ used, kept up to date by Cluster. */
  free: Resources;
  /** Outstanding offers on this agent. */
  readonly offers: Set<number>;
  /** By usedKey(framework, role). */
  readonly used: Map<string, Used>;
}

export function usedKey(frameworkId: string, role: string): string {
  return `${frameworkId}\u0000${role}`;
}

/** Alternatives: an offer is allocatable if it holds all of one of them. */
export type MinAllocatable = readonly Quantities[];

export interface FrameworkState {
  readonly id: string;
  roles: Set<string>;
  capabilities: Set<Capability>;
  active: boolean;
  /** Always a subset of roles. */
  suppressed: Set<string>;
  minAllocatable: Map<string, MinAllocatable>;
  offerConstraints: Map<string, CompiledGroups>;
  /** alloc(f, R): offered + used scalar quantities by role, roles left included. */
  readonly allocated: Map<string, Quantities>;
  /** Outstanding offers to this framework. */
  readonly offers: Set<number>;
}

export interface OfferState {
  readonly id: number;
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly resources: Resources;
}

export interface RoleState {
  weight: number;
  /** Zero guarantees are dropped: they guarantee nothing. */
  guarantees: Quantities;
  /** Zero limits are kept: a limit of 0 forbids the resource. */
  limits: Quantities;
  /** self(R). */
  readonly allocated: Quantities;
  /** subtree(R). */
  readonly subtreeAllocated: Quantities;
  /** consumed(R), over the subtree. */
  readonly consumed: Quantities;
}

export function newRoleState(): RoleState {
  return {
    weight: 1,
    guarantees: new Map(),
    limits: new Map(),
    allocated: new Map(),
    subtreeAllocated: new Map(),
    consumed: new Map(),
  };
}
