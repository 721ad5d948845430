// The agent's /state view (the contract in the package README): JSON-ready,
// resources in the allocator's form, task states as short names.

import type { Resource as AllocatorResource } from '@tessera/allocator/types';
import { toAllocatorResources } from '@tessera/common';

import type { Agent } from './agent.js';
import type { ExecutorRecord } from './records.js';
import { shortStateName } from './task-states.js';

export interface ExecutorState {
  id: string;
  containerId: string;
  /** Absolute path of the executor's sandbox. */
  sandbox: string;
  tasks: Array<{ id: string; state: string }>;
}

export interface AgentState {
  id: string | null;
  hostname: string;
  address: string;
  master: string;
  resources: AllocatorResource[];
  attributes: Array<{ name: string; text?: string; scalar?: number }>;
  frameworks: Array<{ id: string; name: string; executors: ExecutorState[]; completedExecutors: ExecutorState[] }>;
}

export function agentState(agent: Agent, master: string): AgentState {
  return {
    id: agent.agentId ?? null,
    hostname: agent.config.hostname,
    address: agent.address,
    master,
    resources: toAllocatorResources(agent.config.resources),
    attributes: agent.config.attributes.map((a) =>
      a.scalar ? { name: a.name, scalar: a.scalar.value } : { name: a.name, text: a.text ?? '' },
    ),
    frameworks: [...agent.frameworks.values()].map((framework) => ({
      id: framework.info.id,
      name: framework.info.name,
      executors: [...framework.executors.values()].map(executorState),
      completedExecutors: framework.completedExecutors.map(executorState),
    })),
  };
}

function executorState(executor: ExecutorRecord): ExecutorState {
  return {
    id: executor.executorId,
    containerId: executor.containerId,
    sandbox: executor.sandbox,
    tasks: [...executor.tasks.values()].map((task) => ({ id: task.info.taskId, state: shortStateName(task.state) })),
  };
}
