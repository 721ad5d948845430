// Status updates, agent → master → framework, and their acknowledgements,
// framework → master → agent. The agent keeps at most one update per task in
// flight and resends it until acknowledged; the master keeps the update it
// forwarded (task.pending) so a re-subscribing scheduler gets it at once.

import {
  Event,
  MasterMessage,
  TaskState,
  TaskStatus_Source,
  RpcError,
  invalidArgument,
  notFound,
  type AcknowledgeManyResponse,
  type Acknowledgement,
  type AgentMessage_ExecutorExited,
  type AgentMessage_FrameworkMessage,
  type AgentMessage_StatusUpdate,
} from '@tessera/common';

import { monotonicNow } from './clock.js';
import type { Master } from './master.js';
import { taskKey, type AgentRecord, type FrameworkRecord } from './model.js';
import { checkIdField } from './scheduler-validation.js';
import { isAgentState, isTerminal, recordStatus, stateName } from './tasks.js';

/** An update from an agent. Malformed or unknown ones are dropped with a log line (the agent cannot be answered per update). */
export function statusUpdate(m: Master, agent: AgentRecord, update: AgentMessage_StatusUpdate): void {
  const status = update.status;
  if (!status || status.taskId === '' || status.uuid.length !== 16 || !isAgentState(status.state)) {
    m.log.warn({ agent: agent.id, framework: update.frameworkId, task: status?.taskId }, 'dropped a malformed status update');
    return;
  }
  const framework = m.frameworks.get(update.frameworkId);
  const task = agent.tasks.get(taskKey(update.frameworkId, status.taskId));
  if (!framework || !task) {
    m.log.warn({ agent: agent.id, framework: update.frameworkId, task: status.taskId }, 'status update for an unknown framework or task: dropped');
    return;
  }
  if (task.decidedByMaster && isTerminal(task.state)) {
    // The framework was already told this task is gone; stop the agent resending.
    m.acknowledgeToAgent(agent, { frameworkId: framework.id, taskId: task.taskId, uuid: status.uuid });
    return;
  }
  if (task.lastAcked && Buffer.compare(task.lastAcked, status.uuid) === 0) {
    m.acknowledgeToAgent(agent, { frameworkId: framework.id, taskId: task.taskId, uuid: status.uuid });
    return;
  }
  const full = { ...status, agentId: agent.id, executorId: status.executorId || task.executorId };
  if (full.source === TaskStatus_Source.UNSPECIFIED) full.source = TaskStatus_Source.AGENT;
  const resend = task.pending !== undefined && Buffer.compare(task.pending.uuid, status.uuid) === 0;
  if (!resend) recordStatus(task, full);
  const latest = update.latestState !== TaskState.UNSPECIFIED && isAgentState(update.latestState) ? update.latestState : status.state;
  if (!isTerminal(task.latestState)) task.latestState = latest;
  if (isTerminal(task.latestState)) m.freeTask(task);
  m.log.debug({ framework: framework.id, task: task.taskId, state: stateName(status.state) }, 'status update');
  m.forwardStatus(framework, task, resend ? task.pending! : full);
}

/**
 * The batched form: each entry handled exactly as a status_update message of
 * its own, in order. A malformed or unknown entry is dropped with its log line
 * (as the single form is), and one that fails is logged; the rest still apply.
 */
export function statusUpdates(m: Master, agent: AgentRecord, updates: readonly AgentMessage_StatusUpdate[]): void {
  for (const update of updates) {
    try {
      statusUpdate(m, agent, update);
    } catch (err) {
      m.log.error({ err, agent: agent.id, task: update.status?.taskId }, 'status update failed');
    }
  }
}

/** A framework acknowledges an update by uuid: relayed to the agent (unless the master made the update). */
export function acknowledge(m: Master, framework: FrameworkRecord, agentId: string, taskId: string, uuid: Buffer): void {
  const task = framework.tasks.get(taskId);
  // At-least-once delivery: a framework may see an update twice and acknowledge it twice.
  if (task?.lastAcked && Buffer.compare(task.lastAcked, uuid) === 0 && (agentId === '' || task.agentId === agentId)) return;
  if (!task || !task.pending || Buffer.compare(task.pending.uuid, uuid) !== 0 || (agentId !== '' && task.agentId !== agentId)) {
    throw notFound(`uuid: no update ${uuid.toString('hex')} of task ${taskId} waits for an acknowledgement`);
  }
  const acked = task.pending;
  task.pending = undefined;
  task.lastAcked = uuid;
  if (acked.source !== TaskStatus_Source.MASTER) {
    const agent = m.agents.get(task.agentId);
    if (agent) {
      m.acknowledgeToAgent(agent, { frameworkId: framework.id, taskId, uuid });
    }
  }
  if (isTerminal(acked.state) && isTerminal(task.state)) m.completeTask(task);
}

/** Most acknowledgements one AcknowledgeMany may carry. */
export const MAX_ACKNOWLEDGEMENTS = 10_000;

/**
 * Several acknowledgements in one call. Their shapes are checked first (a bad
 * one fails the call and nothing is applied); then each is applied on its own,
 * and its answer is '' or why it was not (the NOT_FOUND of a single call).
 */
export function acknowledgeMany(m: Master, framework: FrameworkRecord, acknowledgements: Acknowledgement[]): AcknowledgeManyResponse {
  if (acknowledgements.length === 0) throw invalidArgument('acknowledgements: must not be empty');
  if (acknowledgements.length > MAX_ACKNOWLEDGEMENTS) {
    throw invalidArgument(`acknowledgements: at most ${MAX_ACKNOWLEDGEMENTS} (got ${acknowledgements.length})`);
  }
  for (let i = 0; i < acknowledgements.length; i++) {
    const a = acknowledgements[i]!;
    checkIdField(`acknowledgements[${i}].task_id`, a.taskId);
    if (a.agentId !== '') checkIdField(`acknowledgements[${i}].agent_id`, a.agentId);
    if (a.uuid.length !== 16) throw invalidArgument(`acknowledgements[${i}].uuid: must be 16 bytes (got ${a.uuid.length})`);
  }
  const errors = new Array<string>(acknowledgements.length);
  for (let i = 0; i < acknowledgements.length; i++) {
    const a = acknowledgements[i]!;
    try {
      acknowledge(m, framework, a.agentId, a.taskId, Buffer.from(a.uuid));
      errors[i] = '';
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      errors[i] = err.message;
    }
  }
  return { errors };
}

export function executorExited(m: Master, agent: AgentRecord, message: AgentMessage_ExecutorExited): void {
  const key = taskKey(message.frameworkId, message.executorId);
  const executor = agent.executors.get(key);
  if (executor) {
    agent.executors.delete(key);
    if (!executor.freed && executor.resources.length > 0 && agent.inAllocator) {
      try {
        m.allocator.recover(executor.frameworkId, agent.id, executor.role, executor.resources, { now: monotonicNow() });
        m.triggerAllocation();
      } catch (err) {
        m.log.error({ err, agent: agent.id, executor: message.executorId }, 'could not recover executor resources');
      }
    }
    executor.freed = true;
  }
  const framework = m.frameworks.get(message.frameworkId);
  if (!framework) return;
  const failure: Event['failure'] = { agentId: agent.id, executorId: message.executorId };
  if (message.status !== undefined) failure.status = message.status;
  m.sendEvent(framework, Event.create({ failure }));
}

export function frameworkMessage(m: Master, agent: AgentRecord, message: AgentMessage_FrameworkMessage): void {
  const framework = m.frameworks.get(message.frameworkId);
  if (!framework) return;
  m.sendEvent(framework, Event.create({ message: { agentId: agent.id, executorId: message.executorId, data: message.data } }));
}
