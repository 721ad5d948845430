// An agent's start after a restart: replay the status updates it had not
// delivered, and take back the tasks still running. A task whose launch was
// checkpointed and whose container the containerizer re-attached (native and
// Docker containers outlive the agent) is supervised again: its end becomes
// its next update, as if the agent had never gone. Every other task that was
// live gets one last update: TASK_LOST, or TASK_GONE for a PARTITION_AWARE
// framework (as the master says of a task an agent re-registers without),
// reason AGENT_RESTARTED. After a reboot that is every live task.
//
// --recover=cleanup (Mesos' semantics): every container the earlier run left
// is killed and the agent forgets that run — its status updates, launch
// checkpoints and agent id — and registers as a new agent. Its old tasks are
// the master's to end: the old agent id never comes back, so the master marks
// it unreachable and its tasks LOST (UNREACHABLE, then GONE, for
// partition-aware frameworks), as a Mesos master does after a cleanup.

import { readdirSync, rmSync } from 'node:fs';

import { FrameworkCapability, TaskState, TaskStatus_Reason, TaskStatus_Source, type FrameworkInfo } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { Container } from '../containerizer/containerizer.js';
import { outcome, taskEnvironment } from '../executors/task-process.js';
import { startTaskHealth } from '../health/task-health.js';
import type { RecoverMode } from '../options.js';
import { agentIdFile, updatesRoot } from '../paths.js';
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

export interface RecoveryPlan {
  mode: RecoverMode;
  /** The host rebooted since the earlier run (recovery/boot-id.ts). */
  rebooted: boolean;
}

export async function recoverTasks(agent: Agent, plan: RecoveryPlan): Promise<void> {
  if (plan.mode === 'cleanup') {
    await cleanUp(agent, plan.rebooted);
    return;
  }
  const live = agent.updates.recover().filter((stream) => !isTerminal(stream.latestState));
  const launches = new Map<string, { launch: LaunchCheckpoint; state: TaskState }>();
  const frameworks = new Map<string, FrameworkInfo>();
  for (const stream of live) {
    const launch = readLaunch(agent.config.workDir, stream.frameworkId, stream.taskId);
    if (!launch) continue;
    launches.set(launch.containerId, { launch, state: stream.latestState });
    frameworks.set(launch.frameworkInfo.id, launch.frameworkInfo);
  }
  const known = plan.rebooted ? new Set<string>() : new Set(launches.keys());
  const { reattached } = await agent.containerizer.recover(known, { rebooted: plan.rebooted });
  const taken = new Set<string>();
  for (const container of reattached) {
    const found = launches.get(container.containerId);
    if (!found) continue;
    const { launch, state } = found;
    agent.reattachTask(launch, state, container);
    taken.add(`${launch.frameworkInfo.id}/${launch.task.taskId}`);
    agent.logger.info({ frameworkId: launch.frameworkInfo.id, taskId: launch.task.taskId, containerId: container.containerId }, 're-attached a running task');
  }
  const message = plan.rebooted
    ? "the agent's host rebooted (its boot id changed): the task did not survive it"
    : 'the agent restarted and could not re-attach the task (its container had ended without a recorded exit, or its containerizer does not keep containers across restarts); its processes were killed';
  for (const stream of live) {
    if (taken.has(`${stream.frameworkId}/${stream.taskId}`)) continue;
    const partitionAware = frameworks.get(stream.frameworkId)?.capabilities.includes(FrameworkCapability.PARTITION_AWARE) ?? false;
    agent.rawStatus(stream.frameworkId, stream.taskId, stream.last.executorId, stream.last.containerId, partitionAware ? TaskState.GONE : TaskState.LOST, {
      source: TaskStatus_Source.AGENT,
      reason: TaskStatus_Reason.AGENT_RESTARTED,
      message,
    });
  }
}

/** --recover=cleanup: kill what the earlier run left, then forget that run (a new agent id at registration). */
async function cleanUp(agent: Agent, rebooted: boolean): Promise<void> {
  const { workDir } = agent.config;
  const { destroyed } = await agent.containerizer.recover(new Set(), { rebooted });
  const tasks = countTasks(updatesRoot(workDir));
  rmSync(updatesRoot(workDir), { recursive: true, force: true });
  rmSync(agentIdFile(workDir), { force: true });
  agent.logger.warn(
    { destroyedContainers: destroyed.length, forgottenTasks: tasks, formerAgentId: agent.agentId },
    '--recover=cleanup: killed what the earlier run left and forgot it; registering as a new agent (the master ends the old tasks with the old agent id)',
  );
  agent.agentId = undefined;
}

function countTasks(root: string): number {
  let count = 0;
  for (const framework of safeReaddir(root)) count += safeReaddir(`${root}/${framework}/tasks`).length;
  return count;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
