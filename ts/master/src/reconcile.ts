// Reconciliation, as apache/mesos docs/reconciliation.md describes it. Answers
// are UPDATE events with reason RECONCILIATION and no uuid (nothing to
// acknowledge).
//
// Explicit, per named task:
//   task known                          → its latest state
//   unknown, its agent registered       → TASK_GONE (partition-aware) / TASK_LOST
//   unknown, its agent unreachable      → TASK_UNREACHABLE / TASK_LOST
//   unknown, its agent gone             → TASK_GONE / TASK_LOST (Mesos answers GONE_BY_OPERATOR
//                                         for agents an operator marked gone; ours went gone by
//                                         the unreachable timeout, so TASK_GONE)
//   unknown, its agent recovering       → no answer yet (the agent may still report it);
//                                         without an agent id: none while any agent is recovering
//   unknown, agent unknown or not given → TASK_UNKNOWN / TASK_LOST
// Implicit (no tasks named): the latest state of every task the master knows
// for the framework.

import { Event, TaskState, TaskStatus, TaskStatus_Reason, TaskStatus_Source, type ReconcileRequest_ReconcileTask } from '@tessera/common';

import type { Master } from './master.js';
import type { FrameworkRecord } from './model.js';
import { checkIdField } from './scheduler-validation.js';
import { stateFor, type TaskRecord } from './tasks.js';

function latest(task: TaskRecord): TaskStatus {
  const last = task.statuses[task.statuses.length - 1];
  return TaskStatus.create({
    ...last,
    taskId: task.taskId,
    state: task.state,
    agentId: task.agentId,
    executorId: task.executorId,
    uuid: Buffer.alloc(0),
    reason: TaskStatus_Reason.RECONCILIATION,
    source: TaskStatus_Source.MASTER,
    message: 'reconciliation: latest state',
  });
}

/** The answer for one named task, or undefined when the master must wait for its agent. */
export function reconcileOne(m: Master, framework: FrameworkRecord, taskId: string, agentId: string): TaskStatus | undefined {
  const task = framework.tasks.get(taskId);
  if (task) return latest(task);
  let state: TaskState;
  let message: string;
  const agent = agentId === '' ? undefined : m.agents.get(agentId);
  if (agent?.state === 'active') {
    state = stateFor(framework.capabilities, TaskState.GONE);
    message = `reconciliation: task unknown on registered agent ${agentId}`;
  } else if (agent?.state === 'unreachable') {
    state = stateFor(framework.capabilities, TaskState.UNREACHABLE);
    message = `reconciliation: agent ${agentId} is unreachable`;
  } else if (agent?.state === 'removed' || (agentId !== '' && m.removedAgentIds.has(agentId))) {
    state = stateFor(framework.capabilities, TaskState.GONE);
    message = `reconciliation: agent ${agentId} is gone`;
  } else if (agentId !== '' ? m.recoveringAgents.has(agentId) : m.recoveringAgents.size > 0) {
    // The task may be on an agent that has not re-registered since a master
    // restart: answer nothing yet; the framework asks again (as Mesos).
    return undefined;
  } else {
    state = stateFor(framework.capabilities, TaskState.UNKNOWN);
    message = 'reconciliation: task unknown';
  }
  return TaskStatus.create({
    taskId,
    state,
    agentId,
    reason: TaskStatus_Reason.RECONCILIATION,
    source: TaskStatus_Source.MASTER,
    message,
    timestamp: Date.now() / 1000,
  });
}

/** Checks every named task first, then answers (a bad call answers nothing). */
export function reconcile(m: Master, framework: FrameworkRecord, tasks: readonly ReconcileRequest_ReconcileTask[]): void {
  tasks.forEach((t, i) => {
    checkIdField(`tasks[${i}].task_id`, t.taskId);
    if (t.agentId !== '') checkIdField(`tasks[${i}].agent_id`, t.agentId);
  });
  const answers: TaskStatus[] = [];
  if (tasks.length === 0) {
    for (const task of framework.tasks.values()) answers.push(latest(task));
  } else {
    for (const t of tasks) {
      const status = reconcileOne(m, framework, t.taskId, t.agentId);
      if (status) answers.push(status);
    }
  }
  for (const status of answers) m.sendEvent(framework, Event.create({ update: { status } }));
}
