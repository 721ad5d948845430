// The public data types of @tessera/allocator. Both the native allocator and the
// TypeScript reference implementation (ts/allocator-reference) speak them; the
// semantics they follow are in ../SEMANTICS.md.

/** One resource: a scalar amount or a set of inclusive integer ranges. */
export interface Resource {
  name: string;
  /** Amount for scalar resources (cpus, mem in MiB, disk in MiB, gpus, ...). */
  scalar?: number;
  /** Inclusive `[begin, end]` intervals for range resources (ports). */
  ranges?: Array<[number, number]>;
  /** Role the resource is statically reserved to; omitted or `*` = unreserved. */
  reservation?: string;
  /** Revocable (oversubscribed) resources may be taken back at any time. */
  revocable?: boolean;
}

/**
 * Resources as objects, or in the Mesos text form
 * `cpus:4;mem:1024;ports:[31000-32000];cpus(ml):2`.
 */
export type ResourcesLike = readonly Resource[] | string;

/** Scalar quantities by resource name, e.g. `{ cpus: 1.5, mem: 2048 }`. */
export type Quantities = Record<string, number>;

export type Attributes = Record<string, string | number>;

export type Capability =
  | 'GPU_RESOURCES'
  | 'REVOCABLE_RESOURCES'
  | 'MULTI_ROLE'
  | 'PARTITION_AWARE'
  | 'SHARED_RESOURCES'
  | 'RESERVATION_REFINEMENT'
  | 'REGION_AWARE'
  | 'TASK_KILLING_STATE';

export type ConstraintOp = 'exists' | 'notExists' | 'equals' | 'notEquals' | 'matches' | 'notMatches';

/** A predicate on an agent attribute, or on its hostname (`hostname: true`). */
export interface Constraint {
  attribute?: string;
  hostname?: boolean;
  op: ConstraintOp;
  /** The text for `equals`/`notEquals`, the regex for `matches`/`notMatches`. */
  value?: string;
}

/** Groups of constraints: AND inside a group, OR between groups. */
export type ConstraintGroups = ReadonlyArray<readonly Constraint[]>;

export interface UsedResources {
  frameworkId: string;
  role: string;
  resources: ResourcesLike;
}

export interface AgentSpec {
  id: string;
  hostname?: string;
  attributes?: Attributes;
  resources: ResourcesLike;
  /** Resources already in use on the agent (agent re-registration, recovery). */
  used?: readonly UsedResources[];
  /** Default true. */
  active?: boolean;
}

export interface AgentChanges {
  hostname?: string;
  attributes?: Attributes;
  resources?: ResourcesLike;
}

export interface FrameworkSpec {
  id: string;
  roles: readonly string[];
  capabilities?: readonly Capability[];
  /** Default true. */
  active?: boolean;
  suppressedRoles?: readonly string[];
  /** Per role: offer only if the offer holds at least one of these quantity sets. */
  minAllocatable?: Record<string, readonly Quantities[]>;
  /** Per role: offer only agents that satisfy these constraint groups. */
  offerConstraints?: Record<string, ConstraintGroups>;
}

export type FrameworkChanges = Partial<Omit<FrameworkSpec, 'id' | 'active'>>;

export interface QuotaSpec {
  guarantees?: Quantities;
  limits?: Quantities;
}

export interface AllocatorOptions {
  /** Order of roles and frameworks: weighted DRF (default) or weighted random. */
  sorter?: 'drf' | 'random';
  /** Order of agents in a cycle: most-used first (default) or least-used first. */
  placement?: 'binpack' | 'spread';
  /** Seed of the random sorter. */
  seed?: number;
  /** Default minimum allocatable resources (Mesos: cpus:0.01 or mem:32). */
  minAllocatable?: readonly Quantities[];
}

export interface FilterOptions {
  /** Keep these resources from this framework on this agent for this long. */
  refuseSeconds?: number;
  /** Milliseconds; default Date.now(). */
  now?: number;
}

export interface Offer {
  id: number;
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Resource[];
}

/** Why candidates (agent, role, framework) were passed over in a cycle. */
export interface PassedOver {
  filter: number;
  quotaLimit: number;
  quotaHeadroom: number;
  constraint: number;
  minAllocatable: number;
  gpu: number;
}

/** Every offer of one allocation cycle. */
export interface Allocation extends Iterable<Offer> {
  readonly length: number;
  /** Offer ids in the order the offers were made: hand them to decline() as is. */
  readonly offerIds: Float64Array;
  offer(index: number): Offer;
  readonly passedOver: PassedOver;
}

export interface PlacementRequest {
  /** Per task: scalar amounts, and for range resources the number of values. */
  resources: Quantities;
  count: number;
  role?: string;
  constraints?: ConstraintGroups;
  maxPerAgent?: number;
  /** Allow agents with GPUs although the task asks for none. */
  gpuAware?: boolean;
}

export interface PlacementOptions {
  strategy?: 'binpack' | 'spread';
}

export interface PlacementShortfall {
  constraint: number;
  gpu: number;
  maxPerAgent: number;
  insufficient: number;
  quotaLimit: number;
}

export interface RequestOutcome {
  placed: number;
  /** Present when fewer than `count` tasks were placed: agents by first failed check. */
  shortfall?: PlacementShortfall;
}

export interface Assignment {
  request: number;
  agentId: string;
  count: number;
}

export interface Placement extends Iterable<Assignment> {
  readonly length: number;
  assignment(index: number): Assignment;
  readonly requests: readonly RequestOutcome[];
  /** Total tasks placed. */
  readonly placed: number;
}

export interface OfferedResources {
  offerId: number;
  frameworkId: string;
  role: string;
  resources: Resource[];
}

export interface AgentView {
  id: string;
  hostname: string;
  attributes: Attributes;
  active: boolean;
  total: Resource[];
  free: Resource[];
  offered: OfferedResources[];
  used: Array<{ frameworkId: string; role: string; resources: Resource[] }>;
}

export interface FrameworkView {
  id: string;
  roles: string[];
  active: boolean;
  suppressedRoles: string[];
  capabilities: Capability[];
  /** Offered + used scalar quantities per role, including roles left but still held. */
  allocated: Record<string, Quantities>;
}

export interface RoleView {
  name: string;
  weight: number;
  guarantees: Quantities;
  limits: Quantities;
  /** Offered + used by frameworks under exactly this role. */
  allocated: Quantities;
  /** Offered + used under this role and its descendants. */
  subtreeAllocated: Quantities;
  consumedQuota: Quantities;
  /** share(subtreeAllocated) / weight: this role's key among its siblings. */
  share: number;
}

export interface AllocatorStats {
  agents: number;
  activeAgents: number;
  frameworks: number;
  offers: number;
  filters: number;
}

/** The allocator's interface, implemented by the native and the reference allocator. */
export interface AllocatorApi {
  addFramework(spec: FrameworkSpec): void;
  updateFramework(id: string, changes: FrameworkChanges): void;
  activateFramework(id: string): void;
  deactivateFramework(id: string): void;
  /** Returns the ids of the framework's offers, now rescinded. */
  removeFramework(id: string): number[];
  suppress(frameworkId: string, roles?: readonly string[]): void;
  revive(frameworkId: string, roles?: readonly string[]): void;

  addAgent(spec: AgentSpec): void;
  addAgents(specs: readonly AgentSpec[]): void;
  /** Returns the ids of offers rescinded because the agent's total changed. */
  updateAgent(id: string, changes: AgentChanges): number[];
  activateAgent(id: string): void;
  deactivateAgent(id: string): void;
  /** Returns the ids of the agent's offers, now rescinded. */
  removeAgent(id: string): number[];

  setWeights(weights: Record<string, number>): void;
  setQuota(role: string, quota: QuotaSpec | null): void;

  allocate(now?: number): Allocation;
  decline(offerIds: number | ArrayLike<number>, options?: FilterOptions): void;
  accept(offerIds: number | ArrayLike<number>, used: ResourcesLike, options?: FilterOptions): void;
  rescind(offerIds: number | ArrayLike<number>): void;
  recover(frameworkId: string, agentId: string, role: string, resources: ResourcesLike, options?: FilterOptions): void;

  place(requests: readonly PlacementRequest[], options?: PlacementOptions): Placement;

  agent(id: string): AgentView;
  framework(id: string): FrameworkView;
  role(name: string): RoleView;
  offer(id: number): Offer | undefined;
  /** Live roles in the order the next scan would visit them. */
  roleOrder(): string[];
  /** Candidate frameworks of a role in the order the next scan would visit them. */
  frameworkOrder(role: string): string[];
  stats(): AllocatorStats;
}
