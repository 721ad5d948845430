// The labels every container this agent starts carries. They are the Docker
// containerizer's checkpoint: a restarted agent lists containers by its work
// dir label and maps each back to a task through the others.

import type { ContainerSpec } from '../containerizer.js';

export const LABEL = {
  /** The agent's work dir (absolute): tells this agent's containers from other agents' on the same host. */
  workDir: 'org.tessera.work-dir',
  agentId: 'org.tessera.agent-id',
  containerId: 'org.tessera.container-id',
  frameworkId: 'org.tessera.framework-id',
  executorId: 'org.tessera.executor-id',
  taskId: 'org.tessera.task-id',
  /** The host path of the sandbox, so a re-attached container's logs go on to the same files. */
  sandbox: 'org.tessera.sandbox',
} as const;

/** Docker container names are the container id behind this prefix (as Mesos' "mesos-"). */
export const NAME_PREFIX = 'tessera-';

export function labelsFor(spec: ContainerSpec, workDir: string): Record<string, string> {
  // The agent puts its ids into every task's environment; they name the container's owner.
  return {
    [LABEL.workDir]: workDir,
    [LABEL.agentId]: spec.env.TESSERA_AGENT_ID ?? '',
    [LABEL.containerId]: spec.containerId,
    [LABEL.frameworkId]: spec.env.TESSERA_FRAMEWORK_ID ?? '',
    [LABEL.executorId]: spec.env.TESSERA_EXECUTOR_ID ?? '',
    [LABEL.taskId]: spec.env.TESSERA_TASK_ID ?? '',
    [LABEL.sandbox]: spec.sandbox,
  };
}
