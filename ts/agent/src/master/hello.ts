// What the agent says first on each stream: Register while it has no id,
// else Reregister with everything it runs, so a master (a new leader, or one
// that lost the stream) can rebuild its view of this agent.

import { AgentMessage, type AgentInfo, type Executor, type FrameworkInfo, type Task } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { TaskRecord } from '../records.js';
import { readLaunch } from '../recovery/launch-checkpoint.js';

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
  const frameworks = new Map<string, FrameworkInfo>();
  const listed = new Set<string>();
  const list = (framework: FrameworkInfo | undefined, task: Task) => {
    if (framework) frameworks.set(framework.id, framework);
    tasks.push(task);
    listed.add(`${task.frameworkId}/${task.taskId}`);
  };
  for (const framework of agent.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      frameworks.set(framework.info.id, framework.info);
      if (executor.kind === 'custom' && executor.info) {
        executors.push({ frameworkId: executor.frameworkId, executorInfo: executor.info });
      }
      for (const task of executor.tasks.values()) list(framework.info, taskView(agent, task));
    }
  }
  // Ended tasks whose updates are not all acknowledged yet are listed too (as
  // Mesos does): a master that did not hear of them would call them gone and
  // drop the update that says how they really ended. Those that ended in this
  // run have records (completed executors); those of an earlier run, replayed
  // from disk after a restart, have their launch checkpoint, or only their updates.
  for (const pending of agent.updates.unacknowledgedTasks()) {
    if (listed.has(`${pending.frameworkId}/${pending.taskId}`)) continue;
    const framework = agent.frameworks.get(pending.frameworkId);
    const record = framework?.completedExecutors.flatMap((e) => [...e.tasks.values()]).find((t) => t.info.taskId === pending.taskId);
    if (record) {
      list(framework!.info, taskView(agent, record));
      continue;
    }
    const launch = readLaunch(agent.config.workDir, pending.frameworkId, pending.taskId);
    list(launch?.frameworkInfo, {
      taskId: pending.taskId,
      name: launch?.task.name ?? '',
      frameworkId: pending.frameworkId,
      agentId: agent.agentId,
      executorId: pending.executorId,
      state: pending.latestState,
      resources: launch?.task.resources ?? [],
      status: undefined,
      role: '',
      labels: launch?.task.labels,
    });
  }
  return AgentMessage.create({ reregister: { agentInfo: agentInfo(agent), tasks, executors, frameworks: [...frameworks.values()] } });
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
