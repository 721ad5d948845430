// Task state helpers shared by the agent's parts.

import { TaskState, taskStateToJSON } from '@tessera/common';

const TERMINAL = new Set<TaskState>([
  TaskState.FINISHED,
  TaskState.FAILED,
  TaskState.KILLED,
  TaskState.ERROR,
  TaskState.LOST,
  TaskState.DROPPED,
  TaskState.GONE,
  TaskState.GONE_BY_OPERATOR,
]);

export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

/** "RUNNING" rather than "TASK_STATE_RUNNING", as /state shows states. */
export function shortStateName(state: TaskState): string {
  return taskStateToJSON(state).replace(/^TASK_STATE_/, '');
}
