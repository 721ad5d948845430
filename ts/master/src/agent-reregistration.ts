// Agent re-registration: an agent the master (or an earlier master) admitted
// comes back with everything it runs, and the master rebuilds its view —
// adopting tasks it does not know, declaring gone the ones the agent no longer
// has, giving UNREACHABLE tasks their real state back, killing tasks it already
// declared LOST — then charges what runs there to the allocator again.

import type { Resource, UsedResources } from '@tessera/allocator';
import {
  ExecutorInfo,
  FrameworkInfo,
  MasterMessage,
  TaskInfo,
  TaskState,
  TaskStatus_Reason,
  idProblem,
  toAllocatorCapabilities,
  toAllocatorResources,
  type AgentMessage_Reregister,
  type Task,
} from '@tessera/common';

import { AgentRefused, attach, checkAgentInfo, newAgentRecord, persist } from './agents.js';
import type { Master } from './master.js';
import { taskKey, type AgentRecord, type FrameworkRecord } from './model.js';
import { sumResources } from './resources.js';
import type { SafeStream } from './streams.js';
import { isTerminal, masterStatus, newTaskRecord, recordStatus, stateFor } from './tasks.js';

/** Takes back an agent the master (or an earlier master) admitted, with what it runs. */
export async function reregisterAgent(m: Master, message: AgentMessage_Reregister, stream: SafeStream<MasterMessage>): Promise<AgentRecord> {
  const checked = checkAgentInfo(message.agentInfo, false);
  const id = checked.info.id;
  refuseIfGone(m, id);
  const reported = checkReportedTasks(message.tasks);
  try {
    await persist(m, checked.info);
  } catch (err) {
    // Not the agent's fault: end the stream without Refused (written after
    // the end, it is dropped), so the agent reconnects and tries again.
    // Refused would stop it for good, and a refused agent kills its tasks.
    stream.end();
    throw err;
  }
  // Gone while the admission was written (its removal was already under way).
  refuseIfGone(m, id);

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

/**
 * A gone agent may not come back under its id (as Mesos refuses a removed
 * agent and tells it to shut down): the agent stops, and what it still runs is
 * killed; the master already told the frameworks those tasks are gone or lost.
 */
function refuseIfGone(m: Master, id: string): void {
  if (m.removedAgentIds.has(id) || m.agents.get(id)?.state === 'removed') {
    throw new AgentRefused(`agent ${id} was removed (gone: unreachable for too long); shut down its tasks and register as a new agent`);
  }
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
