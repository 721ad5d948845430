// Checks on what the master asks the agent to run. The master validates
// launches too; the agent checks again because it is the one that turns ids
// into paths and commands into processes.

import { ExecutorInfo_Type, idProblem, type CommandInfo, type ExecutorInfo, type TaskInfo } from '@tessera/common';

import { healthCheckProblem } from './health/definition.js';

/** Why a command cannot run, or undefined. */
export function commandProblem(field: string, command: CommandInfo | undefined): string | undefined {
  if (!command) return `${field}: is required`;
  if (command.value === '') return `${field}.value: must not be empty`;
  for (const [index, variable] of (command.environment?.variables ?? []).entries()) {
    if (variable.name === '' || variable.name.includes('=') || variable.name.includes('\0')) {
      return `${field}.environment.variables[${index}].name: must be non-empty without '=' (got ${JSON.stringify(variable.name)})`;
    }
  }
  return undefined;
}

/** Why a custom executor cannot run, or undefined. */
export function executorProblem(field: string, executor: ExecutorInfo): string | undefined {
  const idIssue = idProblem(executor.executorId);
  if (idIssue) return `${field}.executor_id: ${idIssue}`;
  if (executor.type === ExecutorInfo_Type.CUSTOM) return commandProblem(`${field}.command`, executor.command);
  if (executor.type === ExecutorInfo_Type.DEFAULT || executor.type === ExecutorInfo_Type.UNSPECIFIED) return undefined;
  return `${field}.type: unknown executor type ${executor.type}`;
}

/** Why a task of RunTask cannot run here, or undefined. */
export function taskProblem(task: TaskInfo, agentId: string | undefined): string | undefined {
  if (task.agentId !== '' && agentId !== undefined && task.agentId !== agentId) {
    return `task.agent_id: '${task.agentId}' is not this agent ('${agentId}')`;
  }
  if (task.healthCheck) {
    const healthIssue = healthCheckProblem('task.health_check', task.healthCheck);
    if (healthIssue) return healthIssue;
  }
  if (task.command && task.executor) return 'task: has both command and executor (exactly one says how it runs)';
  if (task.executor) {
    if (task.executor.type !== ExecutorInfo_Type.CUSTOM) {
      return 'task.executor.type: only TYPE_CUSTOM executors run single tasks (the default executor runs task groups)';
    }
    return executorProblem('task.executor', task.executor);
  }
  return commandProblem('task.command', task.command);
}

/** Why a task of a RunTaskGroup under the default executor cannot run, or undefined. */
export function groupTaskProblem(field: string, task: TaskInfo): string | undefined {
  const idIssue = idProblem(task.taskId);
  if (idIssue) return `${field}.task_id: ${idIssue}`;
  if (task.executor) return `${field}.executor: must be unset (the group's executor runs it)`;
  if (task.healthCheck) {
    const healthIssue = healthCheckProblem(`${field}.health_check`, task.healthCheck);
    if (healthIssue) return healthIssue;
  }
  return commandProblem(`${field}.command`, task.command);
}
