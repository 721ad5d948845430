// What the operator decided about agents: deactivated (no offers, tasks keep
// running), draining (no offers, every task killed) and drained (draining with
// no live task left), until reactivated. Each decision is recorded in the
// registry before it takes effect (a registry that cannot write: 503, nothing
// changed), so it survives the agent reconnecting, a master restart and a
// failover: the next master restores them (recovery.ts) and applies each when
// its agent re-registers — a draining agent's tasks are killed again then, in
// case the master that was draining it died first.
//
// The master's own lifecycle activates an agent in the allocator when it
// (re-)registers; the 'connected' event comes right after, before the next
// allocation cycle can run (cycles are scheduled, never run inline), so
// deactivating again there means no offer of the agent slips out.

import { TaskState } from '@tessera/common';

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';
import type { AgentRecord } from '../model.js';
import type { AgentMode } from '../registry/registry.js';
import { killTask } from '../task-calls.js';
import { isTerminal } from '../tasks.js';

export type OperatorAgentState = 'active' | 'deactivated' | 'draining' | 'drained';

export type AgentModeChange = (agent: AgentRecord, state: OperatorAgentState, kind: 'deactivated' | 'draining' | 'drained' | 'reactivated') => void;

export function liveTaskCount(agent: AgentRecord): number {
  let n = 0;
  for (const t of agent.tasks.values()) if (!isTerminal(t.state) && t.state !== TaskState.UNREACHABLE) n++;
  return n;
}

export class AgentModes {
  readonly #modes = new Map<string, Exclude<OperatorAgentState, 'active'>>();
  readonly #m: Master;
  readonly #changed: AgentModeChange;

  constructor(m: Master, changed: AgentModeChange) {
    this.#m = m;
    this.#changed = changed;
    m.events.on('agent', (e) => {
      if (e.kind !== 'connected' || !this.#modes.has(e.agent.id)) return;
      if (e.agent.inAllocator) m.allocator.deactivateAgent(e.agent.id);
      if (this.#modes.get(e.agent.id) === 'draining') this.#killAll(e.agent, undefined);
    });
    m.events.on('task', (e) => {
      if (e.kind !== 'launched' && this.#modes.get(e.task.agentId) === 'draining') this.#checkDrained(e.task.agentId);
    });
  }

  /** What the registry held when this master took over (recovery.ts). */
  restore(modes: Record<string, AgentMode>): void {
    for (const [agentId, mode] of Object.entries(modes)) this.#modes.set(agentId, mode);
  }

  /** Durable first: a decision the registry cannot record is refused (503) and changes nothing. */
  async #record(agentId: string, mode: AgentMode | null): Promise<void> {
    try {
      await this.#m.registry.setAgentMode(agentId, mode);
    } catch (err) {
      this.#m.log.error({ err, agent: agentId }, 'registry: could not record the agent mode');
      throw new HttpError(503, `registry: could not record the agent's mode (${(err as Error).message}); nothing changed, retry later`);
    }
  }

  state(agentId: string): OperatorAgentState {
    return this.#modes.get(agentId) ?? 'active';
  }

  #agent(agentId: string): AgentRecord {
    const agent = this.#m.agents.get(agentId);
    if (!agent || agent.state === 'removed') throw new HttpError(404, `agentId: no agent ${JSON.stringify(agentId)}`);
    return agent;
  }

  /** No more offers of the agent; the outstanding ones are rescinded. */
  #stopOffers(agent: AgentRecord): void {
    const m = this.#m;
    if (agent.inAllocator) m.allocator.deactivateAgent(agent.id);
    for (const offer of m.offersWhere((o) => o.agentId === agent.id)) m.rescindOffer(offer);
  }

  async deactivate(agentId: string): Promise<OperatorAgentState> {
    this.#agent(agentId);
    if (this.#modes.has(agentId)) return this.state(agentId); // already kept from offers (draining is stronger)
    await this.#record(agentId, 'deactivated');
    const agent = this.#agent(agentId);
    if (this.#modes.has(agentId)) return this.state(agentId); // drained meanwhile: stronger, and recorded after ours
    this.#stopOffers(agent);
    this.#modes.set(agentId, 'deactivated');
    this.#m.log.info({ agent: agentId }, 'agent deactivated by the operator');
    this.#changed(agent, 'deactivated', 'deactivated');
    return 'deactivated';
  }

  async drain(agentId: string, gracePeriodSeconds: number | undefined): Promise<OperatorAgentState> {
    const check = (): AgentRecord => {
      const agent = this.#agent(agentId);
      if (agent.state !== 'active') throw new HttpError(409, `agentId: agent ${agentId} is ${agent.state}; its tasks cannot be killed`);
      return agent;
    };
    check();
    const before = this.#modes.get(agentId);
    if (before === 'draining' || before === 'drained') return before;
    await this.#record(agentId, 'draining');
    const agent = check();
    const mode = this.#modes.get(agentId);
    if (mode === 'draining' || mode === 'drained') return mode;
    this.#stopOffers(agent);
    this.#modes.set(agentId, 'draining');
    this.#m.log.info({ agent: agentId, gracePeriodSeconds }, 'agent draining by the operator');
    this.#changed(agent, 'draining', 'draining');
    this.#killAll(agent, gracePeriodSeconds);
    return this.state(agentId);
  }

  /** Kills every live task of a draining agent. */
  #killAll(agent: AgentRecord, gracePeriodSeconds: number | undefined): void {
    const policy = gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : undefined;
    for (const task of [...agent.tasks.values()]) {
      const framework = this.#m.frameworks.get(task.frameworkId);
      if (framework && !isTerminal(task.state)) killTask(this.#m, framework, task, policy);
    }
    this.#checkDrained(agent.id);
  }

  async reactivate(agentId: string): Promise<OperatorAgentState> {
    this.#agent(agentId);
    if (!this.#modes.has(agentId)) return 'active';
    await this.#record(agentId, null);
    const agent = this.#agent(agentId);
    if (!this.#modes.delete(agentId)) return 'active';
    // A disconnected agent stays out of cycles until its stream is back (agents.ts activates it then).
    if (agent.inAllocator && agent.stream && !agent.stream.closed) this.#m.allocator.activateAgent(agentId);
    this.#m.log.info({ agent: agentId }, 'agent reactivated by the operator');
    this.#changed(agent, 'active', 'reactivated');
    this.#m.triggerAllocation();
    return 'active';
  }

  #checkDrained(agentId: string): void {
    const agent = this.#m.agents.get(agentId);
    if (!agent || this.#modes.get(agentId) !== 'draining' || liveTaskCount(agent) > 0) return;
    this.#modes.set(agentId, 'drained');
    this.#m.log.info({ agent: agentId }, 'agent drained');
    this.#changed(agent, 'drained', 'drained');
  }
}
