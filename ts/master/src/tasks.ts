// The master's task records and the task state machine. A task lives in its
// framework's and its agent's tables from launch until it is terminal AND its
// terminal update is acknowledged (or the master decided it, e.g. LOST); then
// it moves to the bounded list of completed tasks.

import type { Resource } from '@tessera/allocator';
import {
  FrameworkCapability,
  TaskState,
  TaskStatus,
  TaskStatus_Reason,
  TaskStatus_Source,
  isTerminalState,
  newUpdateUuid,
  type ExecutorInfo,
  type TaskInfo,
} from '@tessera/common';

/** Terminal states hold no resources and never change (shared with the agent and the CLI). */
export const isTerminal = isTerminalState;

/** States an agent may report; the rest are the master's to decide (or unknown values). */
const AGENT_STATES = new Set<TaskState>([
  TaskState.STAGING,
  TaskState.STARTING,
  TaskState.RUNNING,
  TaskState.KILLING,
  TaskState.FINISHED,
  TaskState.FAILED,
  TaskState.KILLED,
  TaskState.ERROR,
  TaskState.LOST,
  TaskState.DROPPED,
  TaskState.GONE,
]);

export function isAgentState(state: TaskState): boolean {
  return AGENT_STATES.has(state);
}

/** How many statuses of a task the master keeps (for /state). */
export const STATUSES_KEPT = 10;

export interface TaskRecord {
  taskId: string;
  frameworkId: string;
  agentId: string;
  executorId: string;
  role: string;
  info: TaskInfo;
  /** The task's resources in the allocator's form. */
  resources: Resource[];
  /** The state of the newest status the master took in (forwarded or decided). */
  state: TaskState;
  /** The newest state the agent knows (may be ahead of `state`). */
  latestState: TaskState;
  statuses: TaskStatus[];
  /** The last update forwarded to the framework and not yet acknowledged. */
  pending?: TaskStatus;
  /** Uuid of the last acknowledged update: a resend of it (the agent missed the Acknowledge) is acknowledged again, not forwarded. */
  lastAcked?: Buffer;
  /** The task's resources went back to the allocator. */
  freed: boolean;
  /** The master, not the agent, made this task terminal (agent lost): its agent's later updates are acknowledged by the master. */
  decidedByMaster: boolean;
  /** A kill the agent could not be told about yet (agent disconnected). */
  pendingKill?: { gracePeriodSeconds?: number };
}

export function newTaskRecord(args: {
  frameworkId: string;
  agentId: string;
  executorId: string;
  role: string;
  info: TaskInfo;
  resources: Resource[];
  state?: TaskState;
}): TaskRecord {
  const state = args.state ?? TaskState.STAGING;
  const status = TaskStatus.create({
    taskId: args.info.taskId,
    state,
    source: TaskStatus_Source.MASTER,
    timestamp: Date.now() / 1000,
    agentId: args.agentId,
    executorId: args.executorId,
  });
  return {
    taskId: args.info.taskId,
    frameworkId: args.frameworkId,
    agentId: args.agentId,
    executorId: args.executorId,
    role: args.role,
    info: args.info,
    resources: args.resources,
    state,
    latestState: state,
    statuses: [status],
    freed: false,
    decidedByMaster: false,
  };
}

/** Records a status the master took in; returns it. */
export function recordStatus(task: TaskRecord, status: TaskStatus): TaskStatus {
  task.state = status.state;
  // Once the agent said the task ended, an older state cannot undo that.
  if (!isTerminal(task.latestState)) task.latestState = status.state;
  task.statuses.push(status);
  if (task.statuses.length > STATUSES_KEPT) task.statuses.splice(0, task.statuses.length - STATUSES_KEPT);
  return status;
}

/** A status the master itself produces (agent lost, launch dropped), with a uuid to acknowledge. */
export function masterStatus(
  task: Pick<TaskRecord, 'taskId' | 'agentId' | 'executorId'>,
  state: TaskState,
  reason: TaskStatus_Reason,
  message: string,
): TaskStatus {
  return TaskStatus.create({
    taskId: task.taskId,
    state,
    reason,
    message,
    source: TaskStatus_Source.MASTER,
    timestamp: Date.now() / 1000,
    agentId: task.agentId,
    executorId: task.executorId,
    uuid: newUpdateUuid(),
  });
}

/** Picks the partition-aware state, or TASK_LOST for frameworks that do not understand it (as Mesos). */
export function stateFor(capabilities: ReadonlySet<FrameworkCapability>, partitionAware: TaskState): TaskState {
  return capabilities.has(FrameworkCapability.PARTITION_AWARE) ? partitionAware : TaskState.LOST;
}

/** The executor a task runs under: its own, or the command executor named after the task (as Mesos). */
export function executorIdOf(task: TaskInfo, groupExecutor?: ExecutorInfo): string {
  return groupExecutor?.executorId ?? task.executor?.executorId ?? task.taskId;
}

/** Short state name for JSON and messages ("RUNNING"). */
export function stateName(state: TaskState): string {
  return TaskState[state] ?? `STATE_${state}`;
}
