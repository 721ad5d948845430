// Kill, Shutdown and Message: orders a scheduler sends to its tasks and
// executors through the master.

import {
  Event,
  MasterMessage,
  failedPrecondition,
  notFound,
  type KillPolicy,
  type KillRequest,
  type MessageRequest,
  type ShutdownRequest,
} from '@tessera/common';

import type { Master } from './master.js';
import { taskKey, type FrameworkRecord } from './model.js';
import { reconcileOne } from './reconcile.js';
import { checkIdField, invalidOnThrow } from './scheduler-validation.js';
import { isTerminal, type TaskRecord } from './tasks.js';

/**
 * Kill: a known task's agent is told (or told when it comes back, if it is
 * away). An unknown task is answered as Mesos does: by reconciling it, so the
 * scheduler hears TASK_LOST / TASK_UNKNOWN / ... instead of silence.
 */
export function kill(m: Master, framework: FrameworkRecord, request: KillRequest): void {
  checkIdField('task_id', request.taskId);
  if (request.agentId !== '') checkIdField('agent_id', request.agentId);
  const policy = request.killPolicy;
  if (policy) {
    invalidOnThrow(() => {
      const g = policy.gracePeriodSeconds;
      if (!Number.isFinite(g) || g < 0) throw new TypeError(`kill_policy.grace_period_seconds: must be a finite number >= 0 (got ${g})`);
    });
  }
  const task = framework.tasks.get(request.taskId);
  if (!task) {
    const status = reconcileOne(m, framework, request.taskId, request.agentId);
    if (status) m.sendEvent(framework, Event.create({ update: { status } }));
    return;
  }
  killTask(m, framework, task, policy);
}

/** Tells a live task's agent to kill it, or remembers the kill for when the agent is back. */
export function killTask(m: Master, framework: FrameworkRecord, task: TaskRecord, policy: KillPolicy | undefined): void {
  if (isTerminal(task.state)) return;
  const agent = m.agents.get(task.agentId);
  const order = MasterMessage.create({ killTask: { frameworkId: framework.id, taskId: task.taskId, killPolicy: policy } });
  if (!agent || !m.sendToAgent(agent, order)) {
    task.pendingKill = policy ? { gracePeriodSeconds: policy.gracePeriodSeconds } : {};
  }
}

export function shutdown(m: Master, framework: FrameworkRecord, request: ShutdownRequest): void {
  checkIdField('executor_id', request.executorId);
  checkIdField('agent_id', request.agentId);
  const agent = m.agents.get(request.agentId);
  if (!agent) throw notFound(`agent_id: no agent ${request.agentId}`);
  const known = agent.executors.has(taskKey(framework.id, request.executorId)) ||
    [...agent.tasks.values()].some((t) => t.frameworkId === framework.id && t.executorId === request.executorId);
  if (!known) throw notFound(`executor_id: no executor ${request.executorId} of framework ${framework.id} on agent ${agent.id}`);
  if (!m.sendToAgent(agent, MasterMessage.create({ shutdownExecutor: { frameworkId: framework.id, executorId: request.executorId } }))) {
    throw failedPrecondition(`agent_id: agent ${agent.id} is not connected`);
  }
}

export function message(m: Master, framework: FrameworkRecord, request: MessageRequest): void {
  checkIdField('agent_id', request.agentId);
  checkIdField('executor_id', request.executorId);
  const agent = m.agents.get(request.agentId);
  if (!agent) throw notFound(`agent_id: no agent ${request.agentId}`);
  const sent = m.sendToAgent(
    agent,
    MasterMessage.create({ frameworkMessage: { frameworkId: framework.id, executorId: request.executorId, data: request.data } }),
  );
  if (!sent) throw failedPrecondition(`agent_id: agent ${agent.id} is not connected`);
}
