// An agent's start after a restart: replay the status updates it had not
// delivered, and take back the tasks still running. A task whose launch was
// checkpointed and whose container the containerizer re-attached (Docker
// containers outlive the agent) is supervised again: its end becomes its
// next update, as if the agent had never gone. Every other task that was
// live gets a last TASK_LOST (AGENT_RESTARTED): its container was destroyed
// (posix and native containers die with their agent's supervision).

import { TaskState, TaskStatus_Reason, TaskStatus_Source } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { Container } from '../containerizer/containerizer.js';
import { outcome, taskEnvironment } from '../executors/task-process.js';
import { startTaskHealth } from '../health/task-health.js';
import type { ExecutorRecord, TaskRecord } from '../records.js';
import { isTerminal } from '../task-states.js';
import { readLaunch, type LaunchCheckpoint } from './launch-checkpoint.js';

/** The tail of runTaskProcess for a re-attached container: wait for its end and report it. */
export async function superviseReattached(agent: Agent, executor: ExecutorRecord, task: TaskRecord, container: Container): Promise<void> {
  task.container = container;
  // Its health checks resume (a new grace period; the first result is reported again).
  const health = task.state === TaskState.RUNNING ? startTaskHealth(agent, task, container, taskEnvironment(agent, executor, task)) : undefined;
  const exit = await container.exited;
  health?.stop();
  task.container = undefined;
  agent.status(task, ...outcome(task, exit));
  agent.taskEnded(executor, task);
}

export async function recoverTasks(agent: Agent): Promise<void> {
  const live = agent.updates.recover().filter((stream) => !isTerminal(stream.latestState));
  const launches = new Map<string, { launch: LaunchCheckpoint; state: TaskState }>();
  for (const stream of live) {
    const launch = readLaunch(agent.config.workDir, stream.frameworkId, stream.taskId);
    if (launch) launches.set(launch.containerId, { launch, state: stream.latestState });
  }
  await agent.containerizer.recover(new Set(launches.keys()));
  const reattached = new Map(agent.containerizer.containers().map((container) => [container.containerId, container]));
  const taken = new Set<string>();
  for (const [containerId, { launch, state }] of launches) {
    const container = reattached.get(containerId);
    if (!container) continue;
    agent.reattachTask(launch, state, container);
    taken.add(`${launch.frameworkInfo.id}/${launch.task.taskId}`);
    agent.logger.info({ frameworkId: launch.frameworkInfo.id, taskId: launch.task.taskId, containerId }, 're-attached a running task');
  }
  for (const stream of live) {
    if (taken.has(`${stream.frameworkId}/${stream.taskId}`)) continue;
    agent.rawStatus(stream.frameworkId, stream.taskId, stream.last.executorId, stream.last.containerId, TaskState.LOST, {
      source: TaskStatus_Source.AGENT,
      reason: TaskStatus_Reason.AGENT_RESTARTED,
      message: 'the agent restarted and could not re-attach the task (its containerizer does not keep containers across restarts); its processes were killed',
    });
  }
}
