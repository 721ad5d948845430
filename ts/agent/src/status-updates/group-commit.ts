// Group commit of status update checkpoints. An update must be durable before
// it is first sent, but one fsync per update, on the event loop, made the
// agent's own path the bottleneck of a burst of launches (two updates per
// task, each a blocking fsync). Here updates queued in one event-loop turn are
// written together when the turn ends (appends, on the event loop, in queue
// order, so each task's log keeps its order), then every file written is
// fsynced once, all in parallel on libuv's thread pool (where the filesystem's
// journal folds concurrent fsyncs into few commits). Only when a record's file
// is synced is its callback called, and only then may the update be sent.

import { closeSync, fsync, mkdirSync, openSync, writeSync, fsyncSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from '@tessera/common';

export interface PendingRecord {
  file: string;
  line: string;
  /** Called once the line is on disk (its file fsynced). */
  durable: () => void;
}

export type FsyncFn = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

export interface GroupCommitOptions {
  logger: Logger;
  /** How long to wait before retrying a batch that could not be written. */
  retryMs: number;
  /** fs.fsync by default; tests wrap it to count and order the syncs. */
  fsync?: FsyncFn;
}

export class GroupCommit {
  private batch: PendingRecord[] = [];
  /** The end-of-turn flush, or a retry timer after a failed write. */
  private scheduled: { immediate: NodeJS.Immediate } | { timer: NodeJS.Timeout } | undefined;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly fsync: FsyncFn;
  private stopped = false;

  constructor(private readonly options: GroupCommitOptions) {
    this.fsync = options.fsync ?? fsync;
  }

  /** Queues a line for its file; written and synced with the rest of this turn's. */
  append(record: PendingRecord): void {
    this.batch.push(record);
    // After close (an agent stopping with tasks left running): durably now, as before group commit.
    if (this.stopped) return this.writeNow();
    this.scheduled ??= { immediate: setImmediate(() => this.flush()) };
  }

  /** Resolves when nothing is queued or being synced (tests, shutdown). */
  idle(): Promise<void> {
    if (this.batch.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown: whatever is still queued is written and fsynced now, blocking
   * (nothing of it was sent, but a later agent should find it); callbacks are
   * not called (the manager is stopping).
   */
  close(): void {
    this.stopped = true;
    if (this.scheduled && 'immediate' in this.scheduled) clearImmediate(this.scheduled.immediate);
    if (this.scheduled && 'timer' in this.scheduled) clearTimeout(this.scheduled.timer);
    this.scheduled = undefined;
    this.writeNow();
  }

  private writeNow(): void {
    const batch = this.batch;
    this.batch = [];
    for (const [file, lines] of byFile(batch)) {
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        const fd = openSync(file, 'a');
        try {
          writeSync(fd, lines.map((r) => r.line).join(''));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        this.options.logger.error({ file, err: (err as Error).message }, 'cannot checkpoint status updates at shutdown');
      }
    }
    this.settle();
  }

  private flush(): void {
    this.scheduled = undefined;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return this.settle();
    for (const [file, records] of byFile(batch)) {
      let fd: number;
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        fd = openSync(file, 'a');
      } catch (err) {
        this.retry(file, records, err as Error);
        continue;
      }
      try {
        writeSync(fd, records.map((r) => r.line).join(''));
      } catch (err) {
        closeSync(fd);
        this.retry(file, records, err as Error);
        continue;
      }
      this.inFlight++;
      this.fsync(fd, (err) => {
        closeSync(fd);
        this.inFlight--;
        if (err) {
          // The lines are written (maybe not durably): write them again rather
          // than send what may not survive; replay skips a repeated uuid.
          this.retry(file, records, err);
        } else if (!this.stopped) {
          for (const record of records) {
            // A throwing sender must not take the others of the batch (or the agent) down with it.
            try {
              record.durable();
            } catch (err) {
              this.options.logger.error({ file, err: (err as Error).message }, 'sending a checkpointed status update failed');
            }
          }
        }
        this.settle();
      });
    }
    this.settle();
  }

  private retry(file: string, records: PendingRecord[], err: Error): void {
    this.options.logger.error({ file, err: err.message, retryMs: this.options.retryMs }, 'cannot checkpoint status updates; retrying');
    if (this.stopped) return;
    // Ahead of anything queued since, so each task's order holds.
    this.batch = [...records, ...this.batch];
    if (this.scheduled === undefined) {
      const timer = setTimeout(() => this.flush(), this.options.retryMs);
      timer.unref();
      this.scheduled = { timer };
    }
  }

  private settle(): void {
    if (this.batch.length > 0 || this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function byFile(records: PendingRecord[]): Map<string, PendingRecord[]> {
  const out = new Map<string, PendingRecord[]>();
  for (const record of records) {
    const list = out.get(record.file);
    if (list) list.push(record);
    else out.set(record.file, [record]);
  }
  return out;
}
