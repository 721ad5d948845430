// The on-disk log of one task's status updates: an append-only JSON-lines file
// of {"update": ...} and {"ack": "<uuid base64>"} records. An update is written
// and fsynced (group-commit.ts) before it is sent, so an agent that restarts resends exactly
// what was not acknowledged, in the same order.

import { appendFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { TaskStatus, type Logger } from '@tessera/common';

import { taskUpdatesFile, updatesRoot } from '../paths.js';

export interface UpdateRecord {
  frameworkId: string;
  status: TaskStatus;
}

/** A task's log replayed: updates not yet acknowledged, oldest first. */
export interface ReplayedStream {
  frameworkId: string;
  taskId: string;
  pending: TaskStatus[];
  /** The newest state ever recorded (acknowledged or not). */
  latestState: TaskStatus['state'];
  /** The newest update ever recorded. */
  last: TaskStatus;
}

/** The file and line of an update record; group-commit.ts writes and fsyncs it. */
export function updateRecord(workDir: string, record: UpdateRecord): { file: string; line: string } {
  const file = taskUpdatesFile(workDir, record.frameworkId, record.status.taskId);
  const line = JSON.stringify({ update: { frameworkId: record.frameworkId, status: TaskStatus.toJSON(record.status) } });
  return { file, line: line + '\n' };
}

export function appendAck(workDir: string, frameworkId: string, taskId: string, uuid: Uint8Array): void {
  const file = taskUpdatesFile(workDir, frameworkId, taskId);
  appendFileSync(file, JSON.stringify({ ack: Buffer.from(uuid).toString('base64') }) + '\n');
}

/** Forgets a task whose updates are all acknowledged and whose last is terminal. */
export function removeStream(workDir: string, frameworkId: string, taskId: string): void {
  rmSync(path.dirname(taskUpdatesFile(workDir, frameworkId, taskId)), { recursive: true, force: true });
}

/** Replays every task's log under the work dir. */
export function replayAll(workDir: string, logger: Logger): ReplayedStream[] {
  const out: ReplayedStream[] = [];
  for (const frameworkId of listDir(updatesRoot(workDir))) {
    for (const taskId of listDir(path.join(updatesRoot(workDir), frameworkId, 'tasks'))) {
      const stream = replayOne(workDir, frameworkId, taskId, logger);
      if (stream) out.push(stream);
    }
  }
  return out;
}

function replayOne(workDir: string, frameworkId: string, taskId: string, logger: Logger): ReplayedStream | undefined {
  const file = taskUpdatesFile(workDir, frameworkId, taskId);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pending: TaskStatus[] = [];
  const seen = new Set<string>();
  let last: TaskStatus | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let record: { update?: { status?: unknown }; ack?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      // A line torn by a crash mid-write: it was never sent, so dropping it is safe.
      logger.warn({ file, line: index + 1 }, 'skipping an unreadable status update record');
      continue;
    }
    if (record.update?.status) {
      const status = TaskStatus.fromJSON(record.update.status);
      const uuid = Buffer.from(status.uuid).toString('base64');
      // A batch rewritten after a failed fsync repeats its lines: keep the first.
      if (seen.has(uuid)) continue;
      seen.add(uuid);
      pending.push(status);
      last = status;
    } else if (typeof record.ack === 'string') {
      const at = pending.findIndex((status) => Buffer.from(status.uuid).toString('base64') === record.ack);
      if (at >= 0) pending.splice(at, 1);
    }
  }
  if (last === undefined) return undefined;
  return { frameworkId, taskId, pending, latestState: last.state, last };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
