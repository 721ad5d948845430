// Streams tasks' stdout and stderr from their agents' sandboxes while they
// run (polling /files/read from the last offset), and drains what is left
// once a task ends. With several tasks each line is prefixed by the task id.

import type { TaskStatus } from '@tessera/common';
import { getJson, masterState } from '../master-http.js';

interface Followed {
  taskId: string;
  frameworkId: string;
  executorId: string;
  agentAddress?: string;
  offsets: { stdout: number; stderr: number };
  partial: { stdout: string; stderr: string };
}

const POLL_MS = 200;

export class OutputStreamer {
  private readonly followed = new Map<string, Followed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly masterHttp: string,
    private readonly prefix: boolean,
    private readonly out: (s: string) => void,
    private readonly err: (s: string) => void,
  ) {}

  /** Starts following a task's output (idempotent). */
  follow(status: TaskStatus): void {
    if (this.followed.has(status.taskId)) return;
    this.followed.set(status.taskId, {
      taskId: status.taskId,
      frameworkId: '',
      executorId: status.executorId || status.taskId,
      offsets: { stdout: 0, stderr: 0 },
      partial: { stdout: '', stderr: '' },
    });
    this.timer ??= setInterval(() => void this.pollAll(), POLL_MS);
  }

  /** Reads what is left of a finished task's output, then stops following it. */
  async finish(status: TaskStatus): Promise<void> {
    this.follow(status);
    const f = this.followed.get(status.taskId);
    if (!f) return;
    await this.poll(f, true);
    this.followed.delete(status.taskId);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private polling = false;

  private async pollAll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const f of this.followed.values()) await this.poll(f, false);
    } finally {
      this.polling = false;
    }
  }

  /** Finds the task's framework, executor and agent address in the master's state. */
  private async resolve(f: Followed): Promise<boolean> {
    if (f.agentAddress && f.frameworkId) return true;
    const state = await masterState(this.masterHttp);
    const task = [...state.tasks, ...(state.completedTasks ?? [])].find((t) => t.id === f.taskId);
    if (!task) return false;
    f.frameworkId = task.frameworkId;
    if (task.executorId) f.executorId = task.executorId;
    f.agentAddress = state.agents.find((a) => a.id === task.agentId)?.address;
    return f.agentAddress !== undefined;
  }

  private async poll(f: Followed, final: boolean): Promise<void> {
    try {
      if (!(await this.resolve(f)) || !f.agentAddress) return;
      for (const file of ['stdout', 'stderr'] as const) {
        // Read until the file is drained (large outputs take several reads).
        for (;;) {
          const q = new URLSearchParams({
            framework_id: f.frameworkId,
            executor_id: f.executorId,
            path: file,
            offset: String(f.offsets[file]),
          });
          const chunk = await getJson<{ data: string; offset: number; size: number }>(f.agentAddress, `/files/read?${q}`);
          if (!chunk.data) break;
          f.offsets[file] += Buffer.byteLength(chunk.data);
          this.emit(f, file, chunk.data, false);
          if (f.offsets[file] >= chunk.size) break;
        }
        if (final) this.emit(f, file, '', true);
      }
    } catch {
      // The sandbox may not exist yet, or the agent may be gone: try again
      // on the next poll; the task's status says what happened to it.
    }
  }

  private emit(f: Followed, file: 'stdout' | 'stderr', data: string, flush: boolean): void {
    const write = file === 'stdout' ? this.out : this.err;
    if (!this.prefix) {
      // out()/err() add a newline; keep the task's own line structure.
      const text = f.partial[file] + data;
      const cut = flush ? text.length : text.lastIndexOf('\n') + 1;
      const ready = text.slice(0, cut);
      f.partial[file] = text.slice(cut);
      if (ready) write(ready.endsWith('\n') ? ready.slice(0, -1) : ready);
      return;
    }
    const text = f.partial[file] + data;
    const lines = text.split('\n');
    f.partial[file] = flush ? '' : lines.pop() ?? '';
    for (const line of flush ? lines.filter((l, i) => l !== '' || i < lines.length - 1) : lines) write(`[${f.taskId}] ${line}`);
  }
}
