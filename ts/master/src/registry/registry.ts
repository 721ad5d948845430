// The registry: what must survive a master restart or failover. It holds the
// agents the master admitted (they are expected to re-register) and the
// frameworks it knows (they may re-subscribe with their id) with the failover
// deadlines of those disconnected, the weights and quotas operators set, and
// the ids it removed, so a framework torn down cannot come back. Tasks are not here: agents report them
// when they re-register, as in Mesos.
//
// Every write resolves once the change is durable; the master applies a change
// to its memory only after that. A later issue adds a ZooKeeper registry with
// fenced writes behind this same interface.

import type { AgentInfo, FrameworkInfo } from '@tessera/common';

export interface RegisteredAgent {
  info: AgentInfo;
  /** ISO time it was marked unreachable; absent while reachable. */
  unreachableAt?: string;
}

/** An operator's decision about an agent, until reactivated. */
export type AgentMode = 'deactivated' | 'draining';

/** A role's quota as the operator set it (allocator scalars by resource name). */
export interface RegisteredQuota {
  guarantees?: Record<string, number>;
  limits?: Record<string, number>;
}

export interface RegistryState {
  agents: RegisteredAgent[];
  frameworks: FrameworkInfo[];
  /** Framework id → ISO time its failover timeout runs out, for frameworks disconnected when it was written. */
  failoverDeadlines: Record<string, string>;
  /** Role → weight, as the operator set them (roles absent weigh 1). */
  weights: Record<string, number>;
  /** Role → quota, as the operator set them. */
  quotas: Record<string, RegisteredQuota>;
  /** Agent id → what the operator decided (drained = draining with nothing left). */
  agentModes: Record<string, AgentMode>;
  /** Ids of frameworks torn down (newest last, bounded). */
  removedFrameworks: string[];
  /** Ids of agents removed for good (newest last, bounded). */
  removedAgents: string[];
}

export interface Registry {
  load(): Promise<RegistryState>;
  /** Admits an agent, or marks an admitted one reachable again with its new info. */
  admitAgent(info: AgentInfo): Promise<void>;
  markAgentUnreachable(id: string, at: Date): Promise<void>;
  removeAgent(id: string): Promise<void>;
  addFramework(info: FrameworkInfo): Promise<void>;
  updateFramework(info: FrameworkInfo): Promise<void>;
  removeFramework(id: string): Promise<void>;
  /** Records when a disconnected framework's failover timeout runs out (null: it is connected again). */
  setFailoverDeadline(id: string, at: Date | null): Promise<void>;
  /** Sets a role's weight (null: back to the default, 1). */
  setWeight(role: string, weight: number | null): Promise<void>;
  /** Sets a role's quota (null: removes it). */
  setQuota(role: string, quota: RegisteredQuota | null): Promise<void>;
  /** Records an operator's decision about an agent (null: reactivated). */
  setAgentMode(id: string, mode: AgentMode | null): Promise<void>;
  /** Resolves once every change already asked for is durable (the master calls it when stopping). */
  flush?(): Promise<void>;
}

/** How many removed ids a registry remembers. */
export const REMOVED_IDS_KEPT = 1000;

export function emptyRegistryState(): RegistryState {
  return { agents: [], frameworks: [], failoverDeadlines: {}, weights: {}, quotas: {}, agentModes: {}, removedFrameworks: [], removedAgents: [] };
}

/** Applies one change to a registry state (shared by every implementation). */
export const registryChanges = {
  admitAgent(state: RegistryState, info: AgentInfo): void {
    const i = state.agents.findIndex((a) => a.info.id === info.id);
    const entry: RegisteredAgent = { info };
    if (i >= 0) state.agents[i] = entry;
    else state.agents.push(entry);
  },
  markAgentUnreachable(state: RegistryState, id: string, at: Date): void {
    const entry = state.agents.find((a) => a.info.id === id);
    if (entry) entry.unreachableAt = at.toISOString();
  },
  removeAgent(state: RegistryState, id: string): void {
    state.agents = state.agents.filter((a) => a.info.id !== id);
    delete state.agentModes[id];
    pushBounded(state.removedAgents, id);
  },
  addFramework(state: RegistryState, info: FrameworkInfo): void {
    registryChanges.updateFramework(state, info);
  },
  updateFramework(state: RegistryState, info: FrameworkInfo): void {
    const i = state.frameworks.findIndex((f) => f.id === info.id);
    if (i >= 0) state.frameworks[i] = info;
    else state.frameworks.push(info);
  },
  removeFramework(state: RegistryState, id: string): void {
    state.frameworks = state.frameworks.filter((f) => f.id !== id);
    delete state.failoverDeadlines[id];
    pushBounded(state.removedFrameworks, id);
  },
  setFailoverDeadline(state: RegistryState, id: string, at: Date | null): void {
    if (at === null) delete state.failoverDeadlines[id];
    else if (state.frameworks.some((f) => f.id === id)) state.failoverDeadlines[id] = at.toISOString();
  },
  setWeight(state: RegistryState, role: string, weight: number | null): void {
    if (weight === null) delete state.weights[role];
    else state.weights[role] = weight;
  },
  setQuota(state: RegistryState, role: string, quota: RegisteredQuota | null): void {
    if (quota === null) delete state.quotas[role];
    else state.quotas[role] = structuredClone(quota);
  },
  setAgentMode(state: RegistryState, id: string, mode: AgentMode | null): void {
    if (mode === null) delete state.agentModes[id];
    else state.agentModes[id] = mode;
  },
};

function pushBounded(list: string[], id: string): void {
  if (!list.includes(id)) list.push(id);
  if (list.length > REMOVED_IDS_KEPT) list.splice(0, list.length - REMOVED_IDS_KEPT);
}

/** A registry in memory only (embedded use and unit tests; nothing survives a restart). */
export class MemoryRegistry implements Registry {
  #state = emptyRegistryState();

  async load(): Promise<RegistryState> {
    return structuredClone(this.#state);
  }
  async admitAgent(info: AgentInfo): Promise<void> {
    registryChanges.admitAgent(this.#state, info);
  }
  async markAgentUnreachable(id: string, at: Date): Promise<void> {
    registryChanges.markAgentUnreachable(this.#state, id, at);
  }
  async removeAgent(id: string): Promise<void> {
    registryChanges.removeAgent(this.#state, id);
  }
  async addFramework(info: FrameworkInfo): Promise<void> {
    registryChanges.addFramework(this.#state, info);
  }
  async updateFramework(info: FrameworkInfo): Promise<void> {
    registryChanges.updateFramework(this.#state, info);
  }
  async removeFramework(id: string): Promise<void> {
    registryChanges.removeFramework(this.#state, id);
  }
  async setFailoverDeadline(id: string, at: Date | null): Promise<void> {
    registryChanges.setFailoverDeadline(this.#state, id, at);
  }
  async setWeight(role: string, weight: number | null): Promise<void> {
    registryChanges.setWeight(this.#state, role, weight);
  }
  async setQuota(role: string, quota: RegisteredQuota | null): Promise<void> {
    registryChanges.setQuota(this.#state, role, quota);
  }
  async setAgentMode(id: string, mode: AgentMode | null): Promise<void> {
    registryChanges.setAgentMode(this.#state, id, mode);
  }
}
