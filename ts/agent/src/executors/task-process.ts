// The built-in executors' work for one task: start its command in a container,
// report STARTING, RUNNING, and how it ended. The exit decides the state:
// a kill asked for → KILLED; exit 0 → FINISHED; otherwise FAILED with the exit
// code (128 + signal number when a signal ended it); passing the memory limit →
// FAILED with CONTAINER_LIMITATION_MEMORY.

import { mkdir } from 'node:fs/promises';
import os from 'node:os';

import { TaskState, TaskStatus_Reason, TaskStatus_Source, newId } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { ExitStatus } from '../containerizer/containerizer.js';
import { FetchError } from '../fetcher/errors.js';
import { startTaskHealth } from '../health/task-health.js';
import type { ExecutorRecord, TaskRecord } from '../records.js';
import { checkpointLaunch } from '../recovery/launch-checkpoint.js';
import { portVariables, processEnvironment } from './environment.js';

export async function runTaskProcess(agent: Agent, executor: ExecutorRecord, task: TaskRecord): Promise<void> {
  const command = task.info.command!;
  agent.status(task, TaskState.STARTING);
  try {
    await mkdir(task.sandbox, { recursive: true });
    const fetching = new AbortController();
    task.abortFetch = () => fetching.abort();
    await agent.fetcher.fetch(command.uris, task.sandbox, agent.userFor(task.frameworkId, command), fetching.signal).finally(
      () => (task.abortFetch = undefined),
    );
    if (task.killing) throw new KilledDuringLaunch();
    const env = taskEnvironment(agent, executor, task);
    // So a restarted agent can take the task back if its container outlives it (Docker).
    if (executor.kind === 'command') checkpointLaunch(agent, executor, task);
    const container = await agent.containerizer.launch({
      containerId: executor.kind === 'command' ? executor.containerId : newId(),
      command: { shell: command.shell, value: command.value, arguments: command.arguments },
      sandbox: task.sandbox,
      env,
      user: agent.userFor(task.frameworkId, command),
      resources: task.info.resources,
      container: task.info.container,
    });
    task.container = container;
    // A kill that came while the container was starting is carried out now.
    if (task.killing) void agent.containerizer.kill(container.containerId, task.killGraceMs ?? 0);
    else agent.status(task, TaskState.RUNNING, { message: `pid ${container.pid}` });
    // Health checks (if the task has one) run while it runs, in its container.
    const health = task.killing ? undefined : startTaskHealth(agent, task, container, env);
    const exit = await container.exited;
    health?.stop();
    task.container = undefined;
    agent.status(task, ...outcome(task, exit));
  } catch (err) {
    if (err instanceof KilledDuringLaunch || (err instanceof FetchError && task.killing)) {
      agent.status(task, TaskState.KILLED, {
        reason: TaskStatus_Reason.TASK_KILLED_DURING_LAUNCH,
        message: 'killed before its process started',
      });
    } else if (err instanceof FetchError) {
      agent.status(task, TaskState.FAILED, { source: TaskStatus_Source.AGENT, reason: TaskStatus_Reason.FETCH_FAILED, message: err.message });
    } else {
      // ContainerLaunchError (bad program, unknown user) or a sandbox that could not be made.
      const cause = err instanceof Error ? err.message : String(err);
      agent.status(task, TaskState.FAILED, {
        source: TaskStatus_Source.AGENT,
        reason: TaskStatus_Reason.CONTAINER_LAUNCH_FAILED,
        message: `container launch failed: ${cause}`,
      });
    }
  }
  agent.taskEnded(executor, task);
}

class KilledDuringLaunch extends Error {}

/** The environment of the task's command (and of its COMMAND health check). */
export function taskEnvironment(agent: Agent, executor: ExecutorRecord, task: TaskRecord): Record<string, string> {
  return processEnvironment(task.info.command?.environment, {
    ...portVariables(task.info.resources),
    TESSERA_SANDBOX: task.sandbox,
    TESSERA_TASK_ID: task.info.taskId,
    TESSERA_FRAMEWORK_ID: task.frameworkId,
    TESSERA_EXECUTOR_ID: executor.executorId,
    TESSERA_AGENT_ID: agent.agentId ?? '',
  });
}

type Outcome = [TaskState, { message: string; exitCode?: number; reason?: TaskStatus_Reason; healthy?: boolean }];

export function outcome(task: TaskRecord, exit: ExitStatus): Outcome {
  const signalNumber = exit.signal ? (os.constants.signals[exit.signal as NodeJS.Signals] ?? 0) : 0;
  const exitCode = exit.code ?? 128 + signalNumber;
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with status ${exit.code}`;
  if (task.killing && task.healthKill) {
    // As Mesos: a task its health check had killed ends KILLED, marked unhealthy.
    return [TaskState.KILLED, { message: task.healthKill, exitCode, reason: TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED, healthy: false }];
  }
  if (task.killing) {
    return [TaskState.KILLED, { message: `killed: ${how}`, exitCode, reason: TaskStatus_Reason.KILLED_BY_FRAMEWORK }];
  }
  if (exit.limitation?.reason === 'memory') {
    return [
      TaskState.FAILED,
      { message: `container limitation: ${exit.limitation.message}`, exitCode, reason: TaskStatus_Reason.CONTAINER_LIMITATION_MEMORY },
    ];
  }
  if (exit.code === 0) return [TaskState.FINISHED, { message: 'command exited with status 0', exitCode: 0 }];
  return [TaskState.FAILED, { message: `command ${how}`, exitCode, reason: TaskStatus_Reason.COMMAND_EXECUTOR_FAILED }];
}
