// What the agent knows about the frameworks, executors and tasks it runs.

import type { ServerWritableStream } from '@grpc/grpc-js';
import type {
  ExecutorEvent,
  ExecutorInfo,
  ExecutorSubscribeRequest,
  FrameworkInfo,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
} from '@tessera/common';

import type { Container } from './containerizer/containerizer.js';

/**
 * command: the built-in command executor, one task, executor id = task id.
 * default: the built-in default executor, a task group, one process per task.
 * custom: the framework's own executor program, speaking executor.proto.
 */
export type ExecutorKind = 'command' | 'default' | 'custom';

export interface TaskRecord {
  info: TaskInfo;
  frameworkId: string;
  executorId: string;
  state: TaskState;
  /** Where the task's process runs (the executor sandbox, or a task dir in it). */
  sandbox: string;
  /** The task's own process (command and default executors). */
  container?: Container;
  /** A kill was asked for: the exit becomes TASK_KILLED. */
  killing: boolean;
  /** Grace period of the kill under way, in ms. */
  killGraceMs?: number;
  /** Set while its URIs are being fetched: a kill aborts the fetch (fetcher/). */
  abortFetch?: () => void;
  /** Set when its health check had it killed: the message of its TASK_KILLED (health/task-health.ts). */
  healthKill?: string;
}

/** A launch waiting for a custom executor to subscribe. */
export type QueuedLaunch = { task: TaskInfo } | { group: TaskGroupInfo };

export interface ExecutorRecord {
  frameworkId: string;
  executorId: string;
  kind: ExecutorKind;
  info?: ExecutorInfo;
  containerId: string;
  sandbox: string;
  tasks: Map<string, TaskRecord>;
  /** The executor's own process (custom executors). */
  container?: Container;
  subscriber?: ServerWritableStream<ExecutorSubscribeRequest, ExecutorEvent>;
  queued: QueuedLaunch[];
  shuttingDown: boolean;
  completed: boolean;
}

export interface FrameworkRecord {
  info: FrameworkInfo;
  executors: Map<string, ExecutorRecord>;
  /** Finished executors, newest last, kept so their sandboxes stay browsable. */
  completedExecutors: ExecutorRecord[];
}
