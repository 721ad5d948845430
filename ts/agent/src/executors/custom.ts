// A framework's own executor (ExecutorInfo TYPE_CUSTOM): the agent starts its
// command in the executor's sandbox with the executor service's address in its
// environment, queues launches until it subscribes, then streams events to it.
// When its process exits, tasks it left unfinished fail (EXECUTOR_TERMINATED).

import { mkdir } from 'node:fs/promises';

import {
  ExecutorEvent,
  TaskState,
  TaskStatus_Reason,
  TaskStatus_Source,
  type KillPolicy,
} from '@tessera/common';

import type { Agent } from '../agent.js';
import { FetchError } from '../fetcher/errors.js';
import type { ExecutorRecord, QueuedLaunch } from '../records.js';
import { isTerminal } from '../task-states.js';
import { processEnvironment } from './environment.js';

/** Starts the executor's process; launches queue until it subscribes. */
export async function startCustomExecutor(agent: Agent, executor: ExecutorRecord): Promise<void> {
  const info = executor.info!;
  const command = info.command!;
  try {
    await mkdir(executor.sandbox, { recursive: true });
    await agent.fetcher.fetch(command.uris, executor.sandbox, agent.userFor(executor.frameworkId, command));
    executor.container = await agent.containerizer.launch({
      containerId: executor.containerId,
      command: { shell: command.shell, value: command.value, arguments: command.arguments },
      sandbox: executor.sandbox,
      env: processEnvironment(command.environment, {
        TESSERA_EXECUTOR_ADDRESS: agent.executorAddress,
        TESSERA_FRAMEWORK_ID: executor.frameworkId,
        TESSERA_EXECUTOR_ID: executor.executorId,
        TESSERA_AGENT_ID: agent.agentId ?? '',
        TESSERA_SANDBOX: executor.sandbox,
      }),
      user: agent.userFor(executor.frameworkId, command),
      resources: info.resources,
      container: info.container,
    });
  } catch (err) {
    const fetchFailed = err instanceof FetchError;
    const message = fetchFailed ? err.message : `executor launch failed: ${err instanceof Error ? err.message : String(err)}`;
    agent.logger.warn({ frameworkId: executor.frameworkId, executorId: executor.executorId, err: message }, 'custom executor did not start');
    failUnfinished(agent, executor, fetchFailed ? TaskStatus_Reason.FETCH_FAILED : TaskStatus_Reason.CONTAINER_LAUNCH_FAILED, message);
    agent.executorEnded(executor, undefined);
    return;
  }
  const container = executor.container;
  agent.logger.info({ executorId: executor.executorId, pid: container.pid }, 'custom executor started');
  // Shut down while it was starting: nobody can have subscribed yet, so signal it.
  if (executor.shuttingDown) void agent.containerizer.kill(executor.containerId, agent.config.defaultKillGraceMs);
  const timer = setTimeout(() => {
    if (!executor.subscriber && !executor.completed) {
      agent.logger.warn({ executorId: executor.executorId }, 'custom executor never subscribed; killing it');
      void agent.containerizer.kill(executor.containerId, 0);
    }
  }, agent.executorRegistrationTimeoutMs);
  timer.unref();
  const exit = await container.exited;
  clearTimeout(timer);
  executor.subscriber?.end();
  executor.subscriber = undefined;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  failUnfinished(agent, executor, TaskStatus_Reason.EXECUTOR_TERMINATED, `executor ${how}`);
  agent.executorEnded(executor, exit.code ?? undefined);
}

/** Hands a launch to the executor now if subscribed, else when it subscribes. */
export function deliverLaunch(executor: ExecutorRecord, launch: QueuedLaunch): void {
  if (executor.subscriber) executor.subscriber.write(launchEvent(launch));
  else executor.queued.push(launch);
}

export function launchEvent(launch: QueuedLaunch): ExecutorEvent {
  return 'task' in launch
    ? ExecutorEvent.create({ launch: { task: launch.task } })
    : ExecutorEvent.create({ launchGroup: { taskGroup: launch.group } });
}

/** Kill of one task: the executor does it; a queued task is just dropped. */
export function killCustomTask(agent: Agent, executor: ExecutorRecord, taskId: string, killPolicy: KillPolicy): void {
  if (executor.subscriber) {
    executor.subscriber.write(ExecutorEvent.create({ kill: { taskId, killPolicy } }));
    return;
  }
  executor.queued = executor.queued.filter((launch) => !('task' in launch && launch.task.taskId === taskId));
  const task = executor.tasks.get(taskId);
  if (task && !isTerminal(task.state)) {
    agent.status(task, TaskState.KILLED, {
      source: TaskStatus_Source.AGENT,
      reason: TaskStatus_Reason.TASK_KILLED_DURING_LAUNCH,
      message: 'killed before its executor subscribed',
    });
  }
}

/** Shutdown event, then the process is killed once the grace period is over. */
export async function shutdownCustomExecutor(agent: Agent, executor: ExecutorRecord, graceMs: number): Promise<void> {
  if (executor.shuttingDown) return;
  executor.shuttingDown = true;
  const container = executor.container;
  if (!container) return; // still starting: startCustomExecutor sees shuttingDown
  if (!executor.subscriber) {
    // Nobody to tell: signal the process group (SIGTERM, SIGKILL after the grace).
    await agent.containerizer.kill(executor.containerId, graceMs);
    return;
  }
  executor.subscriber.write(ExecutorEvent.create({ shutdown: { gracePeriodSeconds: graceMs / 1000 } }));
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([container.exited, graceOver]);
  clearTimeout(timer);
  await agent.containerizer.kill(executor.containerId, 0);
}

function failUnfinished(agent: Agent, executor: ExecutorRecord, reason: TaskStatus_Reason, message: string): void {
  for (const task of executor.tasks.values()) {
    if (isTerminal(task.state)) continue;
    const killed = executor.shuttingDown || task.killing;
    agent.status(task, killed ? TaskState.KILLED : TaskState.FAILED, { source: TaskStatus_Source.AGENT, reason, message });
  }
}
