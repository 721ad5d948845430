// The agent lifecycle: registration (admission), re-registration (with the
// tasks the agent runs, reconciled against the master's view), pings, a broken
// stream, and the agent becoming unreachable.

import type { Resource, UsedResources } from '@tessera/allocator';
import {
  Event,
  ExecutorInfo,
  MasterMessage,
  TaskInfo,
  TaskState,
  TaskStatus_Reason,
  idProblem,
  toAllocatorAttributes,
  toAllocatorCapabilities,
  toAllocatorResources,
  type AgentInfo,
  FrameworkInfo,
  type AgentMessage_Reregister,
  type Task,
} from '@tessera/common';

import type { Master } from './master.js';
import type { RegisteredAgent } from './registry/registry.js';
import { isConnected, taskKey, type AgentRecord, type FrameworkRecord } from './model.js';
import { sumResources } from './resources.js';
import type { SafeStream } from './streams.js';
import { isTerminal, masterStatus, newTaskRecord, recordStatus, stateFor } from './tasks.js';

/** Thrown to refuse an agent: the message goes back in Refused. */
export class AgentRefused extends Error {}

interface CheckedAgent {
  info: AgentInfo;
  resources: Resource[];
  attributes: Record<string, string | number>;
}

function checkAgentInfo(info: AgentInfo | undefined, registering: boolean): CheckedAgent {
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
 * again; the others are recovering — expected to re-register — until
 * agentReregisterTimeoutSeconds, after which those still away are unreachable
 * too (as Mesos' agent re-registration timeout).
 */
export function recoverAgents(m: Master, agents: readonly RegisteredAgent[]): void {
  for (const entry of agents) {
    if (entry.unreachableAt !== undefined) m.agents.set(entry.info.id, unreachableRecord(entry.info));
    else m.recoveringAgents.add(entry.info.id);
  }
  if (m.recoveringAgents.size === 0) return;
  const infos = new Map(agents.map((a) => [a.info.id, a.info]));
  m.reregisterDeadline = setTimeout(() => {
    m.reregisterDeadline = undefined;
    m.guarded('agent re-registration timeout', () => {
      for (const id of [...m.recoveringAgents]) {
        m.recoveringAgents.delete(id);
        const info = infos.get(id);
        if (!info || m.agents.has(id)) continue;
        m.agents.set(id, unreachableRecord(info));
        m.log.warn({ agent: id }, 'agent did not re-register after the master restarted: unreachable');
        m.registry.markAgentUnreachable(id, new Date()).catch((err: unknown) => {
          m.log.error({ err, agent: id }, 'registry: could not mark the agent unreachable');
        });
      }
    });
  }, m.options.agentReregisterTimeoutSeconds * 1000);
  m.reregisterDeadline.unref?.();
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

function newAgentRecord(checked: CheckedAgent): AgentRecord {
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

async function persist(m: Master, info: AgentInfo): Promise<void> {
  try {
    await m.registry.admitAgent(info);
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

/** Takes back an agent the master (or an earlier master) admitted, with what it runs. */
export async function reregisterAgent(m: Master, message: AgentMessage_Reregister, stream: SafeStream<MasterMessage>): Promise<AgentRecord> {
  const checked = checkAgentInfo(message.agentInfo, false);
  const id = checked.info.id;
  if (m.removedAgentIds.has(id)) throw new AgentRefused(`agent ${id} was removed; register as a new agent`);
  const reported = checkReportedTasks(message.tasks);
  await persist(m, checked.info);

  let agent = m.agents.get(id);
  if (agent) {
    agent.info = checked.info;
    agent.resources = checked.resources;
    agent.attributes = checked.attributes;
    if (agent.inAllocator) m.forgetRescinded(m.allocator.removeAgent(id), true);
    agent.inAllocator = false;
  } else {
    agent = newAgentRecord(checked);
    m.agents.set(id, agent);
  }
  const wasUnreachable = agent.state === 'unreachable';
  agent.state = 'active';
  m.recoveringAgents.delete(id);

  const toKill: Array<{ frameworkId: string; taskId: string }> = [];
  const shutdownFrameworks = new Set<string>();
  const seen = new Set<string>();
  for (const t of reported) {
    const key = taskKey(t.frameworkId, t.taskId);
    if (m.removedFrameworkIds.has(t.frameworkId)) {
      shutdownFrameworks.add(t.frameworkId);
      continue;
    }
    if (agent.killOnReturn.has(key)) {
      toKill.push({ frameworkId: t.frameworkId, taskId: t.taskId });
      continue;
    }
    const framework = m.frameworks.get(t.frameworkId) ?? recoverFramework(m, t, message.frameworks);
    if (!framework) continue;
    seen.add(key);
    const known = agent.tasks.get(key);
    if (known) {
      if (known.decidedByMaster && isTerminal(known.state)) {
        toKill.push({ frameworkId: t.frameworkId, taskId: t.taskId });
        seen.delete(key);
        continue;
      }
      known.freed = isTerminal(t.state);
      if (known.state === TaskState.UNREACHABLE && !isTerminal(t.state)) {
        // Back from a partition: partition-aware frameworks hear the task's real state again.
        const status = recordStatus(known, masterStatus(known, t.state, TaskStatus_Reason.UNSPECIFIED, 'agent re-registered'));
        m.forwardStatus(framework, known, status);
      }
      if (!isTerminal(known.latestState)) known.latestState = t.state;
      if (known.pendingKill) {
        toKill.push({ frameworkId: t.frameworkId, taskId: t.taskId });
        known.pendingKill = undefined;
      }
      continue;
    }
    const task = newTaskRecord({
      frameworkId: t.frameworkId,
      agentId: id,
      executorId: t.executorId || t.taskId,
      role: t.role || framework.roles[0] || '*',
      info: TaskInfo.create({ taskId: t.taskId, name: t.name, agentId: id, resources: t.resources, labels: t.labels }),
      resources: toAllocatorResources(t.resources),
      state: t.state,
    });
    if (t.status) recordStatus(task, { ...t.status, uuid: Buffer.alloc(0) });
    task.freed = isTerminal(t.state);
    agent.tasks.set(key, task);
    if (!framework.tasks.has(t.taskId)) framework.tasks.set(t.taskId, task);
  }
  agent.killOnReturn.clear();

  // Tasks the master placed here that the agent no longer has are gone for good.
  for (const [key, task] of [...agent.tasks]) {
    if (seen.has(key) || isTerminal(task.state)) continue;
    const framework = m.frameworks.get(task.frameworkId);
    task.freed = true;
    if (!framework) continue;
    const gone = task.state === TaskState.STAGING ? TaskState.DROPPED : TaskState.GONE;
    const status = recordStatus(
      task,
      masterStatus(task, stateFor(framework.capabilities, gone), TaskStatus_Reason.AGENT_RESTARTED, 'the agent re-registered without this task'),
    );
    task.decidedByMaster = true;
    m.forwardStatus(framework, task, status);
  }

  // Executors: one this master launched keeps its charged resources; one it
  // learns of only now is not charged (it cannot tell which role paid for it).
  const before = new Map(agent.executors);
  agent.executors.clear();
  for (const e of message.executors) {
    if (!e.executorInfo || !m.frameworks.has(e.frameworkId)) continue;
    const key = taskKey(e.frameworkId, e.executorInfo.executorId);
    const launched = before.get(key);
    if (launched && launched.resources.length > 0) {
      launched.freed = false; // charged again below, also after the agent was away
      agent.executors.set(key, launched);
    } else {
      const info = ExecutorInfo.create({ ...e.executorInfo, frameworkId: e.frameworkId });
      agent.executors.set(key, { frameworkId: e.frameworkId, info, role: m.frameworks.get(e.frameworkId)?.roles[0] ?? '*', resources: [], freed: true });
    }
  }
  // Agents list only custom executors: one this master launched that still runs reported tasks (a task group's default executor) stays.
  for (const [key, launched] of before) {
    if (agent.executors.has(key) || launched.resources.length === 0) continue;
    const runs = [...agent.tasks.values()].some(
      (t) => t.frameworkId === launched.frameworkId && t.executorId === launched.info.executorId && !isTerminal(t.latestState) && seen.has(taskKey(t.frameworkId, t.taskId)),
    );
    if (!runs) continue;
    launched.freed = false;
    agent.executors.set(key, launched);
  }

  addToAllocator(m, agent);
  if (stream.closed) m.allocator.deactivateAgent(id);
  m.log.info({ agent: id, tasks: reported.length, wasUnreachable }, 'agent re-registered');
  attach(m, agent, stream);
  for (const k of toKill) m.sendToAgent(agent, MasterMessage.create({ killTask: k }));
  for (const frameworkId of shutdownFrameworks) m.sendToAgent(agent, MasterMessage.create({ shutdownFramework: { frameworkId } }));
  return agent;
}

function checkReportedTasks(tasks: readonly Task[]): Task[] {
  tasks.forEach((t, i) => {
    const fp = idProblem(t.frameworkId);
    if (fp) throw new AgentRefused(`tasks[${i}].framework_id: ${fp}`);
    const tp = idProblem(t.taskId);
    if (tp) throw new AgentRefused(`tasks[${i}].task_id: ${tp}`);
    try {
      toAllocatorResources(t.resources, `tasks[${i}].resources`);
    } catch (err) {
      throw new AgentRefused((err as Error).message);
    }
  });
  return [...tasks];
}

/** A framework the master learns of from an agent's tasks (after a master restart): known, inactive, waiting for its scheduler. */
function recoverFramework(m: Master, task: Task, infos: readonly FrameworkInfo[]): FrameworkRecord | undefined {
  const info = infos.find((f) => f.id === task.frameworkId) ?? m.registeredFrameworks.get(task.frameworkId);
  const roles = info && info.roles.length > 0 ? [...info.roles] : [task.role || '*'];
  let capabilities: ReturnType<typeof toAllocatorCapabilities> = [];
  try {
    capabilities = toAllocatorCapabilities(info?.capabilities ?? []);
  } catch {
    capabilities = [];
  }
  try {
    m.allocator.addFramework({ id: task.frameworkId, roles, capabilities, active: false });
  } catch (err) {
    m.log.warn({ err, framework: task.frameworkId }, 'could not recover a framework reported by an agent');
    return undefined;
  }
  const record: FrameworkRecord = {
    id: task.frameworkId,
    info: FrameworkInfo.create({ ...(info ?? { id: task.frameworkId }), roles }),
    roles,
    capabilities: new Set(info?.capabilities ?? []),
    registeredAt: new Date(),
    tasks: new Map(),
    offers: new Set(),
    recovered: true,
  };
  m.frameworks.set(record.id, record);
  return record;
}

/** Adds the agent to the allocator with what its live tasks (and the executors this master launched) use. */
function addToAllocator(m: Master, agent: AgentRecord): void {
  const perFrameworkRole = new Map<string, { frameworkId: string; role: string; lists: Resource[][] }>();
  const charge = (frameworkId: string, role: string, resources: Resource[]): void => {
    const k = `${frameworkId}\u0000${role}`;
    const entry = perFrameworkRole.get(k) ?? { frameworkId, role, lists: [] };
    entry.lists.push(resources);
    perFrameworkRole.set(k, entry);
  };
  for (const task of agent.tasks.values()) {
    if (!task.freed && !isTerminal(task.latestState)) charge(task.frameworkId, task.role, task.resources);
  }
  for (const executor of agent.executors.values()) {
    if (!executor.freed && executor.resources.length > 0) charge(executor.frameworkId, executor.role, executor.resources);
  }
  const used: UsedResources[] = [...perFrameworkRole.values()].map((e) => ({
    frameworkId: e.frameworkId,
    role: e.role,
    resources: sumResources(e.lists),
  }));
  const spec = { id: agent.id, hostname: agent.info.hostname, attributes: agent.attributes, resources: agent.resources };
  try {
    m.allocator.addAgent({ ...spec, used });
  } catch (err) {
    // The reported tasks do not fit the reported total: keep the agent, but do not charge them.
    m.log.error({ err, agent: agent.id }, 're-registered agent: its tasks could not be charged to the allocator');
    for (const task of agent.tasks.values()) task.freed = true;
    for (const executor of agent.executors.values()) executor.freed = true;
    m.allocator.addAgent(spec);
  }
  agent.inAllocator = true;
}

function attach(m: Master, agent: AgentRecord, stream: SafeStream<MasterMessage>): void {
  const old = agent.stream;
  agent.stream = undefined;
  if (old && old !== stream) old.end();
  if (agent.reconnectDeadline) clearTimeout(agent.reconnectDeadline);
  agent.reconnectDeadline = undefined;
  agent.stream = stream;
  stream.send(
    MasterMessage.create({
      registered: { agentId: agent.id, masterId: m.id, pingIntervalSeconds: m.options.agentPingIntervalSeconds },
    }),
  );
  startPings(m, agent);
  stream.onClose(() => disconnected(m, agent, stream));
  m.triggerAllocation();
}

function startPings(m: Master, agent: AgentRecord): void {
  if (agent.pinger) clearInterval(agent.pinger);
  agent.missedPings = 0;
  agent.pongReceived = true;
  agent.pinger = setInterval(() => m.guarded('agent ping', () => ping(m, agent)), m.options.agentPingIntervalSeconds * 1000);
  agent.pinger.unref?.();
}

/** One ping tick: count the last ping if unanswered; too many in a row and the agent is unreachable. */
function ping(m: Master, agent: AgentRecord): void {
  if (!agent.stream) return;
  if (!agent.pongReceived) agent.missedPings++;
  if (agent.missedPings >= m.options.maxAgentPingTimeouts) {
    markUnreachable(m, agent, `${agent.missedPings} pings unanswered`);
    return;
  }
  agent.pingSeq++;
  agent.pongReceived = false;
  m.sendToAgent(agent, MasterMessage.create({ ping: { seq: agent.pingSeq } }));
}

export function pong(agent: AgentRecord, seq: number): void {
  if (seq === agent.pingSeq) {
    agent.pongReceived = true;
    agent.missedPings = 0;
  }
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
  agent.reconnectDeadline = setTimeout(() => {
    agent.reconnectDeadline = undefined;
    if (!agent.stream) m.guarded('agent reconnect deadline', () => markUnreachable(m, agent, `did not reconnect within ${budget} s`));
  }, budget * 1000);
  agent.reconnectDeadline.unref?.();
}

/** The agent is unreachable: out of the allocator, its offers rescinded, its tasks UNREACHABLE or LOST. */
export function markUnreachable(m: Master, agent: AgentRecord, reason: string): void {
  if (agent.state !== 'active' || m.stopped) return;
  agent.state = 'unreachable';
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
  m.registry.markAgentUnreachable(agent.id, new Date()).catch((err: unknown) => {
    m.log.error({ err, agent: agent.id }, 'registry: could not mark the agent unreachable');
  });
}
