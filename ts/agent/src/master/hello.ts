// What the agent says first on each stream: Register while it has no id,
// else Reregister with everything it runs, so a master (a new leader, or one
// that lost the stream) can rebuild its view of this agent.

import { AgentMessage, type AgentInfo, type Executor, type FrameworkInfo, type Task } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { TaskRecord } from '../records.js';

export function agentInfo(agent: Agent): AgentInfo {
  return {
    id: agent.agentId ?? '',
    hostname: agent.config.hostname,
    address: agent.address,
    resources: agent.config.resources,
    attributes: agent.config.attributes,
    version: agent.config.version,
  };
}

export function helloMessage(agent: Agent): AgentMessage {
  if (!agent.agentId) return AgentMessage.create({ register: { agentInfo: agentInfo(agent) } });
  const tasks: Task[] = [];
  const executors: Executor[] = [];
  const frameworks: FrameworkInfo[] = [];
  for (const framework of agent.frameworks.values()) {
    // Ended tasks whose last updates are not yet acknowledged are listed too
    // (as Mesos does): a master that did not see them would call them gone
    // and drop the update that says how they really ended.
    const unacknowledged = framework.completedExecutors.flatMap((executor) =>
      [...executor.tasks.values()].filter((task) => agent.updates.latestState(task.frameworkId, task.info.taskId) !== undefined),
    );
    if (framework.executors.size === 0 && unacknowledged.length === 0) continue;
    frameworks.push(framework.info);
    for (const executor of framework.executors.values()) {
      if (executor.kind === 'custom' && executor.info) {
        executors.push({ frameworkId: executor.frameworkId, executorInfo: executor.info });
      }
      for (const task of executor.tasks.values()) tasks.push(taskView(agent, task));
    }
    for (const task of unacknowledged) tasks.push(taskView(agent, task));
  }
  return AgentMessage.create({ reregister: { agentInfo: agentInfo(agent), tasks, executors, frameworks } });
}

function taskView(agent: Agent, task: TaskRecord): Task {
  return {
    taskId: task.info.taskId,
    name: task.info.name,
    frameworkId: task.frameworkId,
    agentId: agent.agentId ?? '',
    executorId: task.executorId,
    state: task.state,
    resources: task.info.resources,
    status: undefined,
    // The master knows the task's role from its framework and offer.
    role: '',
    labels: task.info.labels,
  };
}
