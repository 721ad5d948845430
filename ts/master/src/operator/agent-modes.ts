// What the operator decided about agents: deactivated (no offers, tasks keep
// running), draining (no offers, every task killed) and drained (draining with
// no live task left), until reactivated. Kept in memory only (not in the
// registry yet): they survive the agent reconnecting, not a master restart.
//
// The master's own lifecycle activates an agent in the allocator when it
// (re-)registers; the 'connected' event comes right after, before the next
// allocation cycle can run (cycles are scheduled, never run inline), so
// deactivating again there means no offer of the agent slips out.

import { TaskState } from '@tessera/common';

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';
import type { AgentRecord } from '../model.js';
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
      if (e.kind === 'connected' && this.#modes.has(e.agent.id) && e.agent.inAllocator) m.allocator.deactivateAgent(e.agent.id);
    });
    m.events.on('task', (e) => {
      if (e.kind !== 'launched' && this.#modes.get(e.task.agentId) === 'draining') this.#checkDrained(e.task.agentId);
    });
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

  deactivate(agentId: string): OperatorAgentState {
    const agent = this.#agent(agentId);
    if (this.#modes.has(agentId)) return this.state(agentId); // already kept from offers (draining is stronger)
    this.#stopOffers(agent);
    this.#modes.set(agentId, 'deactivated');
    this.#m.log.info({ agent: agentId }, 'agent deactivated by the operator');
    this.#changed(agent, 'deactivated', 'deactivated');
    return 'deactivated';
  }

  drain(agentId: string, gracePeriodSeconds: number | undefined): OperatorAgentState {
    const agent = this.#agent(agentId);
    if (agent.state !== 'active') throw new HttpError(409, `agentId: agent ${agentId} is ${agent.state}; its tasks cannot be killed`);
    const mode = this.#modes.get(agentId);
    if (mode === 'draining' || mode === 'drained') return mode;
    this.#stopOffers(agent);
    this.#modes.set(agentId, 'draining');
    this.#m.log.info({ agent: agentId, gracePeriodSeconds }, 'agent draining by the operator');
    this.#changed(agent, 'draining', 'draining');
    const policy = gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : undefined;
    for (const task of [...agent.tasks.values()]) {
      const framework = this.#m.frameworks.get(task.frameworkId);
      if (framework && !isTerminal(task.state)) killTask(this.#m, framework, task, policy);
    }
    this.#checkDrained(agentId);
    return this.state(agentId);
  }

  reactivate(agentId: string): OperatorAgentState {
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
