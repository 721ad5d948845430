// GET /containers: the agent's live containers with their resource usage, as
// Mesos' agent /containers endpoint gives operators: one entry per container
// (a custom executor's, or each task's under the built-in executors), with the
// usage its containerizer measures (cgroups for native, the Engine for docker;
// null where none is measured, e.g. posix).

import type { Agent } from '../agent.js';
import type { Container, ContainerUsage } from '../containerizer/containerizer.js';

export interface ContainerEntry {
  frameworkId: string;
  executorId: string;
  /** The task whose process this is (built-in executors); absent for a custom executor's container. */
  taskId?: string;
  containerId: string;
  pid: number;
  usage: ContainerUsage | null;
}

export async function containersJson(agent: Agent): Promise<ContainerEntry[]> {
  const entries: Array<Omit<ContainerEntry, 'usage'>> = [];
  const add = (frameworkId: string, executorId: string, container: Container | undefined, taskId?: string) => {
    if (container) entries.push({ frameworkId, executorId, ...(taskId ? { taskId } : {}), containerId: container.containerId, pid: container.pid });
  };
  for (const [frameworkId, framework] of agent.frameworks) {
    for (const executor of framework.executors.values()) {
      add(frameworkId, executor.executorId, executor.container);
      for (const task of executor.tasks.values()) add(frameworkId, executor.executorId, task.container, task.info.taskId);
    }
  }
  return Promise.all(
    entries.map(async (entry) => ({
      ...entry,
      usage: (await agent.containerizer.usage?.(entry.containerId).catch(() => undefined)) ?? null,
    })),
  );
}
