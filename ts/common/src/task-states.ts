// Facts about task states every package needs alike: which are terminal, and
// the short name operators read ("RUNNING", as /state and the CLI show it).

import { TaskState, taskStateToJSON } from './gen/tessera/v1/task.js';

/** States after which a task holds no resources and never changes again.
 *  (UNKNOWN and UNREACHABLE are not: they are what the master can say about a
 *  task it cannot see, which may still run.) */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  TaskState.FINISHED,
  TaskState.FAILED,
  TaskState.KILLED,
  TaskState.ERROR,
  TaskState.LOST,
  TaskState.DROPPED,
  TaskState.GONE,
  TaskState.GONE_BY_OPERATOR,
]);

export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

/** "RUNNING" rather than the wire's "TASK_STATE_RUNNING". */
export function shortTaskState(state: TaskState): string {
  return taskStateToJSON(state).replace(/^TASK_STATE_/, '');
}
