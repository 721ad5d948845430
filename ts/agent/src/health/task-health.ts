// The glue between a running task of a built-in executor (command or default)
// and its HealthChecker: health changes become RUNNING updates with `healthy`
// and reason TASK_HEALTH_CHECK_STATUS_UPDATED; too many failures kill the task
// with its kill policy, and task-process.ts reports the end as TASK_KILLED with
// healthy=false and TaskRecord.healthKill as the message.

import { TaskState, TaskStatus_Reason } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { Container } from '../containerizer/containerizer.js';
import { lookupUser } from '../containerizer/users.js';
import type { TaskRecord } from '../records.js';
import { HealthChecker } from './checker.js';
import { healthCheckPlan } from './definition.js';
import { runProbe, type ProbeTarget } from './probes.js';

/**
 * Starts checking the task's health if it has a HealthCheck (validated at
 * launch); returns the checker to stop when the task ends.
 */
export function startTaskHealth(agent: Agent, task: TaskRecord, container: Container, env: Record<string, string>): HealthChecker | undefined {
  const check = task.info.healthCheck;
  if (!check) return undefined;
  const plan = healthCheckPlan(check, env);
  const logger = agent.logger.child({ frameworkId: task.frameworkId, taskId: task.info.taskId, healthCheck: plan.probe.type });
  const target: ProbeTarget = { pid: container.pid, sandbox: task.sandbox, ...identity(agent, task) };
  const probe = async (timeoutMs: number, signal: AbortSignal) => {
    // A stopped agent that left its tasks running (stop({ killTasks: false })) checks them no more.
    if (agent.stopping) {
      checker.stop();
      return { healthy: false, detail: 'the agent is stopping' }; // unheard: the checker has stopped
    }
    return runProbe(plan.probe, target, timeoutMs, signal);
  };
  const checker = new HealthChecker(plan, probe, {
    healthChanged(healthy, detail) {
      // A kill under way ends the task soon; its last word is the terminal update.
      if (task.killing) return;
      logger.info({ healthy, detail }, 'task health changed');
      agent.status(task, TaskState.RUNNING, {
        healthy,
        reason: TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED,
        message: `health check ${healthy ? 'passed' : 'failed'}: ${detail}`,
      });
    },
    failedTooOften(failures, detail) {
      if (task.killing) return;
      logger.warn({ failures, detail }, 'killing the task: its health check failed too often');
      task.healthKill = `killed after ${failures} consecutive failed health checks (last: ${detail})`;
      agent.killTask(task.frameworkId, task.info.taskId);
    },
  }, logger);
  return checker.start();
}

/** Checks run as the task does (uid/gid only when that is not the agent's user). */
function identity(agent: Agent, task: TaskRecord): { uid?: number; gid?: number } {
  const name = task.info.command ? agent.userFor(task.frameworkId, task.info.command) : undefined;
  if (!name) return {};
  const user = lookupUser(name);
  if (!user || user.uid === process.getuid?.()) return {};
  return { uid: user.uid, gid: user.gid };
}
