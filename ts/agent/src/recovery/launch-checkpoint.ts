// What a restarted agent needs to take a running task back: the framework
// and task as launched, and where its container and sandbox are. Written
// beside the task's status updates before its container starts, so it goes
// when that directory goes (the terminal update acknowledged).
//
//   <workDir>/meta/frameworks/<fw>/tasks/<task>/launch.json

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { FrameworkInfo, TaskInfo } from '@tessera/common';

import type { Agent } from '../agent.js';
import { taskUpdatesFile } from '../paths.js';
import type { ExecutorRecord, TaskRecord } from '../records.js';

export interface LaunchCheckpoint {
  frameworkInfo: FrameworkInfo;
  task: TaskInfo;
  executorId: string;
  containerId: string;
  sandbox: string;
}

function launchFile(workDir: string, frameworkId: string, taskId: string): string {
  return path.join(path.dirname(taskUpdatesFile(workDir, frameworkId, taskId)), 'launch.json');
}

export function writeLaunch(workDir: string, launch: LaunchCheckpoint): void {
  const file = launchFile(workDir, launch.frameworkInfo.id, launch.task.taskId);
  mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify({
    frameworkInfo: FrameworkInfo.toJSON(launch.frameworkInfo),
    task: TaskInfo.toJSON(launch.task),
    executorId: launch.executorId,
    containerId: launch.containerId,
    sandbox: launch.sandbox,
  });
  // Written whole or not at all: a torn file would lose the task at the next restart.
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

/** The task's launch checkpoint, or undefined when there is none (or it cannot be read). */
export function readLaunch(workDir: string, frameworkId: string, taskId: string): LaunchCheckpoint | undefined {
  try {
    const json = JSON.parse(readFileSync(launchFile(workDir, frameworkId, taskId), 'utf8')) as Record<string, unknown>;
    const { executorId, containerId, sandbox } = json;
    if (typeof executorId !== 'string' || typeof containerId !== 'string' || typeof sandbox !== 'string') return undefined;
    return { frameworkInfo: FrameworkInfo.fromJSON(json.frameworkInfo), task: TaskInfo.fromJSON(json.task), executorId, containerId, sandbox };
  } catch {
    return undefined;
  }
}

/** Before a command executor's container starts: what recoverTasks needs to take it back. */
export function checkpointLaunch(agent: Agent, executor: ExecutorRecord, task: TaskRecord): void {
  const framework = agent.frameworks.get(task.frameworkId);
  if (!framework) return;
  writeLaunch(agent.config.workDir, {
    frameworkInfo: framework.info,
    task: task.info,
    executorId: executor.executorId,
    containerId: executor.containerId,
    sandbox: task.sandbox,
  });
}
