// The agent lifecycle: registration (admission), the recovery of admitted
// agents after a master restart, pings, a broken stream, and the agent becoming
// unreachable. Re-registration is in agent-reregistration.ts.

import type { Resource } from '@tessera/allocator';
import {
  Event,
  MasterMessage,
  TaskState,
  TaskStatus_Reason,
  idProblem,
  toAllocatorAttributes,
  toAllocatorResources,
  AgentInfo,
} from '@tessera/common';

import { remainingAfterRecovery, scheduleGone, stopGoneTimer } from './agent-gone.js';
import type { Master } from './master.js';
import { isConnected, type AgentRecord } from './model.js';
import type { RegisteredAgent } from './registry/registry.js';
import type { SafeStream } from './streams.js';
import { isTerminal, masterStatus, recordStatus, stateFor } from './tasks.js';

/** Thrown to refuse an agent: the message goes back in Refused. */
export class AgentRefused extends Error {}

export interface CheckedAgent {
  info: AgentInfo;
  resources: Resource[];
  attributes: Record<string, string | number>;
}

export function checkAgentInfo(info: AgentInfo | undefined, registering: boolean): CheckedAgent {
  if (!info) throw new AgentRefused('agent_info: must be set');
  if (registering && info.id !== '') throw new AgentRefused('agent_info.id: must be empty when registering (re-register to keep an id)');
  if (!registering) {
    const problem = idProblem(info.id);
    if (problem) throw new AgentRefused(`agent_info.id: ${problem}`);
  }
  if (info.hostname.trim() === '') throw new AgentRefused('agent_info.hostname: must not be empty');
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(info.address);
  if (!match || Number(match[2]) > 65535) {
    throw new AgentRefused(`agent_info.address: must be host:port (got ${JSON.stringify(info.address)})`);
  }
  try {
    return {
      info,
      resources: toAllocatorResources(info.resources, 'agent_info.resources'),
      attributes: toAllocatorAttributes(info.attributes, 'agent_info.attributes'),
    };
  } catch (err) {
    throw new AgentRefused((err as Error).message);
  }
}

/**
 * After a restart: agents the registry had as unreachable are unreachable
 * again (their unreachable timeout counting from when the registry says they
 * became so); the others are recovering — expected to re-register — until
 * agentReregisterTimeoutSeconds, after which those still away are unreachable
 * too (as Mesos' agent re-registration timeout), one removal permit each.
 */
export function recoverAgents(m: Master, agents: readonly RegisteredAgent[]): void {
  for (const entry of agents) {
    if (entry.unreachableAt !== undefined) {
      const record = unreachableRecord(entry.info);
      record.unreachableAt = new Date(entry.unreachableAt);
      m.agents.set(entry.info.id, record);
      scheduleGone(m, record, remainingAfterRecovery(m, entry.unreachableAt));
    } else {
      m.recoveringAgents.add(entry.info.id);
      m.admittedAgents.set(entry.info.id, Buffer.from(AgentInfo.encode(entry.info).finish()));
    }
  }
  if (m.recoveringAgents.size === 0) return;
  const infos = new Map(agents.map((a) => [a.info.id, a.info]));
  m.reregisterDeadline = setTimeout(() => {
    m.reregisterDeadline = undefined;
    m.guarded('agent re-registration timeout', () => {
      const late = [...m.recoveringAgents];
      if (m.removalLimiter.limited && late.length > 0) {
        m.log.warn({ agents: late.length, rate: m.options.agentRemovalRateLimit?.text }, 'agents did not re-register after the master restarted: marking them unreachable, rate-limited');
      }
      for (const id of late) {
        // Until its permit comes the agent stays recovering: it may still
        // re-register, and reconciliation about it keeps waiting (as Mesos).
        m.removalLimiter.acquire(() =>
          m.guarded('agent re-registration timeout', () => {
            const info = infos.get(id);
            if (!m.recoveringAgents.delete(id) || !info || m.agents.has(id) || m.stopped) return;
            const record = unreachableRecord(info);
            m.agents.set(id, record);
            m.log.warn({ agent: id }, 'agent did not re-register after the master restarted: unreachable');
            recordUnreachable(m, record);
          }),
        );
      }
    });
  }, m.options.agentReregisterTimeoutSeconds * 1000);
  m.reregisterDeadline.unref?.();
}

/** Records an agent that just became unreachable in the registry, and starts its unreachable timeout. */
function recordUnreachable(m: Master, agent: AgentRecord): void {
  const at = new Date();
  agent.unreachableAt = at;
  // Before the write: a re-registration from now on writes the admission again (after this, in the registry's order).
  m.admittedAgents.delete(agent.id);
  m.registry.markAgentUnreachable(agent.id, at).catch((err: unknown) => {
    m.log.error({ err, agent: agent.id }, 'registry: could not mark the agent unreachable');
  });
  scheduleGone(m, agent, m.options.agentUnreachableTimeoutSeconds * 1000);
}

function unreachableRecord(info: AgentInfo): AgentRecord {
  let resources: Resource[] = [];
  let attributes: Record<string, string | number> = {};
  try {
    resources = toAllocatorResources(info.resources);
    attributes = toAllocatorAttributes(info.attributes);
  } catch {
    // A registry entry this master cannot read back: the agent re-registers with its real info.
  }
  const record = newAgentRecord({ info, resources, attributes });
  record.state = 'unreachable';
  return record;
}

export function newAgentRecord(checked: CheckedAgent): AgentRecord {
  return {
    id: checked.info.id,
    info: checked.info,
    resources: checked.resources,
    attributes: checked.attributes,
    state: 'active',
    registeredAt: new Date(),
    pingSeq: 0,
    pongReceived: true,
    missedPings: 0,
    tasks: new Map(),
    executors: new Map(),
    inAllocator: false,
    killOnReturn: new Map(),
  };
}

export async function persist(m: Master, info: AgentInfo): Promise<void> {
  // An agent the registry already holds as reachable, unchanged (the usual
  // re-registration after a master failover), needs no write: 10,000 agents
  // coming back would otherwise rewrite every registry shard many times over.
  const bytes = Buffer.from(AgentInfo.encode(info).finish());
  if (m.admittedAgents.get(info.id)?.equals(bytes)) return;
  try {
    await m.registry.admitAgent(info);
    m.admittedAgents.set(info.id, bytes);
  } catch (err) {
    m.log.error({ err, agent: info.id }, 'registry: could not admit the agent');
    throw new AgentRefused(`registry: could not admit the agent (${(err as Error).message}); retry later`);
  }
}

/** Admits a new agent under a fresh id. */
export async function registerAgent(m: Master, info: AgentInfo | undefined, stream: SafeStream<MasterMessage>, newAgentId: string): Promise<AgentRecord> {
  const checked = checkAgentInfo(info, true);
  checked.info = { ...checked.info, id: newAgentId };
  try {
    m.allocator.addAgent({
      id: newAgentId,
      hostname: checked.info.hostname,
      attributes: checked.attributes,
      resources: checked.resources,
      active: false,
    });
  } catch (err) {
    throw new AgentRefused((err as Error).message.replace(/^addAgent: agent\./, 'agent_info.'));
  }
  try {
    await persist(m, checked.info);
  } catch (err) {
    m.allocator.removeAgent(newAgentId);
    throw err;
  }
  const agent = newAgentRecord(checked);
  agent.inAllocator = true;
  m.agents.set(agent.id, agent);
  if (!stream.closed) m.allocator.activateAgent(agent.id);
  m.log.info({ agent: agent.id, hostname: agent.info.hostname }, 'agent registered');
  attach(m, agent, stream);
  return agent;
}

export function attach(m: Master, agent: AgentRecord, stream: SafeStream<MasterMessage>): void {
  const old = agent.stream;
  agent.stream = undefined;
  if (old && old !== stream) old.end();
  if (agent.reconnectDeadline) clearTimeout(agent.reconnectDeadline);
  agent.reconnectDeadline = undefined;
  cancelPendingRemoval(m, agent, 'the agent is connected again');
  stopGoneTimer(agent);
  agent.unreachableAt = undefined;
  agent.stream = stream;
  stream.send(
    MasterMessage.create({
      registered: { agentId: agent.id, masterId: m.id, pingIntervalSeconds: m.options.agentPingIntervalSeconds },
    }),
  );
  startPings(m, agent);
  stream.onClose(() => disconnected(m, agent, stream));
  m.events.emit('agent', { kind: 'connected', agent });
  m.triggerAllocation();
}

function startPings(m: Master, agent: AgentRecord): void {
  if (agent.pinger) clearInterval(agent.pinger);
  agent.missedPings = 0;
  agent.pongReceived = true;
  agent.pinger = setInterval(() => m.guarded('agent ping', () => ping(m, agent)), m.options.agentPingIntervalSeconds * 1000);
  agent.pinger.unref?.();
}

/**
 * One ping tick: count the last ping if unanswered; too many in a row and the
 * agent is due to be unreachable, once the removal rate limit gives a permit.
 * Pings go on meanwhile: an answer cancels the removal (as Mesos' observer).
 */
function ping(m: Master, agent: AgentRecord): void {
  if (!agent.stream) return;
  if (!agent.pongReceived) agent.missedPings++;
  if (agent.missedPings >= m.options.maxAgentPingTimeouts && !agent.pendingRemoval) {
    requestUnreachable(m, agent, `${agent.missedPings} pings unanswered`);
    if (agent.state !== 'active' || !agent.stream) return;
  }
  agent.pingSeq++;
  agent.pongReceived = false;
  m.sendToAgent(agent, MasterMessage.create({ ping: { seq: agent.pingSeq } }));
}

export function pong(agent: AgentRecord, seq: number): void {
  if (seq === agent.pingSeq) {
    agent.pongReceived = true;
    agent.missedPings = 0;
    // Answered while waiting for a removal permit: it is reachable after all.
    const cancel = agent.pendingRemoval;
    agent.pendingRemoval = undefined;
    cancel?.();
  }
}

/** Marks the agent unreachable when the removal rate limit allows (at once without a limit). */
export function requestUnreachable(m: Master, agent: AgentRecord, reason: string): void {
  if (agent.pendingRemoval || agent.state !== 'active') return;
  let granted = false;
  const cancel = m.removalLimiter.acquire(() => {
    granted = true;
    agent.pendingRemoval = undefined;
    m.guarded('mark agent unreachable', () => markUnreachable(m, agent, reason));
  });
  if (granted) return;
  agent.pendingRemoval = cancel;
  m.log.warn({ agent: agent.id, reason, waiting: m.removalLimiter.waiting, rate: m.options.agentRemovalRateLimit?.text }, 'agent due to be unreachable: waiting for the removal rate limit');
}

function cancelPendingRemoval(m: Master, agent: AgentRecord, why: string): void {
  const cancel = agent.pendingRemoval;
  if (!cancel) return;
  agent.pendingRemoval = undefined;
  cancel();
  m.log.info({ agent: agent.id, why }, 'agent removal cancelled');
}

/** The agent's stream broke: no offers of it meanwhile; unreachable unless it reconnects within the ping budget. */
function disconnected(m: Master, agent: AgentRecord, stream: SafeStream<MasterMessage>): void {
  if (agent.stream !== stream || m.stopped) return;
  agent.stream = undefined;
  if (agent.pinger) clearInterval(agent.pinger);
  agent.pinger = undefined;
  if (agent.state !== 'active') return;
  if (agent.inAllocator) m.allocator.deactivateAgent(agent.id);
  for (const offer of m.offersWhere((o) => o.agentId === agent.id)) m.rescindOffer(offer);
  const budget = m.options.agentPingIntervalSeconds * m.options.maxAgentPingTimeouts;
  m.log.warn({ agent: agent.id, reconnectWithinSeconds: budget }, 'agent stream closed');
  m.events.emit('agent', { kind: 'disconnected', agent });
  agent.reconnectDeadline = setTimeout(() => {
    agent.reconnectDeadline = undefined;
    if (!agent.stream) m.guarded('agent reconnect deadline', () => requestUnreachable(m, agent, `did not reconnect within ${budget} s`));
  }, budget * 1000);
  agent.reconnectDeadline.unref?.();
}

/** The agent is unreachable: out of the allocator, its offers rescinded, its tasks UNREACHABLE or LOST. */
export function markUnreachable(m: Master, agent: AgentRecord, reason: string): void {
  if (agent.state !== 'active' || m.stopped) return;
  agent.state = 'unreachable';
  agent.pendingRemoval?.();
  agent.pendingRemoval = undefined;
  if (agent.pinger) clearInterval(agent.pinger);
  if (agent.reconnectDeadline) clearTimeout(agent.reconnectDeadline);
  agent.pinger = undefined;
  agent.reconnectDeadline = undefined;
  const stream = agent.stream;
  agent.stream = undefined;
  stream?.end();
  if (agent.inAllocator) m.forgetRescinded(m.allocator.removeAgent(agent.id), true);
  agent.inAllocator = false;
  m.log.warn({ agent: agent.id, reason }, 'agent unreachable');
  m.events.emit('agent', { kind: 'unreachable', agent });

  for (const [key, task] of agent.tasks) {
    task.freed = true;
    if (isTerminal(task.state) || task.state === TaskState.UNREACHABLE) continue;
    const framework = m.frameworks.get(task.frameworkId);
    if (!framework) continue;
    const state = stateFor(framework.capabilities, TaskState.UNREACHABLE);
    const status = recordStatus(task, masterStatus(task, state, TaskStatus_Reason.AGENT_DISCONNECTED, `agent ${agent.id} is unreachable: ${reason}`));
    if (state === TaskState.LOST) {
      task.decidedByMaster = true;
      agent.killOnReturn.set(key, { frameworkId: task.frameworkId, taskId: task.taskId });
    }
    m.forwardStatus(framework, task, status);
  }
  for (const e of agent.executors.values()) e.freed = true;
  for (const framework of m.frameworks.values()) {
    if (isConnected(framework)) m.sendEvent(framework, Event.create({ failure: { agentId: agent.id, executorId: '' } }));
  }
  recordUnreachable(m, agent);
}
