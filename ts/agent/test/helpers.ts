// Test helpers: temporary work dirs and polling with a deadline (no fixed sleeps).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A fresh directory under the system temp dir, removed when the test process exits (pass or fail). */
export function tempDir(prefix = 'tessera-agent-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (made.length === 0) {
    process.on('exit', () => {
      for (const d of made) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          // a file still held (a container's mount): left for the OS's temp cleanup
        }
      }
    });
  }
  made.push(dir);
  return dir;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { CommandInfo, FrameworkInfo, TaskInfo, TaskState, isTerminalState as isTerminal, type Resource } from '@tessera/common';

export const FRAMEWORK = FrameworkInfo.create({ id: 'fw-1', name: 'test-framework', roles: ['*'] });

export function isTerminalState(state: TaskState | undefined): boolean {
  return state !== undefined && isTerminal(state);
}

/** A task running `sh -c script`. */
export function shellTask(taskId: string, script: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return TaskInfo.create({
    taskId,
    name: taskId,
    command: CommandInfo.create({ shell: true, value: script }),
    resources: [] as Resource[],
    ...extra,
  });
}

export async function getJson(address: string, pathAndQuery: string): Promise<{ status: number; body: any /* JSON at the HTTP boundary */ }> {
  const res = await fetch(`http://${address}${pathAndQuery}`);
  return { status: res.status, body: await res.json() };
}

/** Whether a process runs (a zombie, killed but not yet reaped by its parent, does not). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
