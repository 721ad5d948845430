// Sandbox garbage collection (Mesos' gc_delay and disk_watch): the sandbox of
// an executor that has ended is deleted `delayMs` after it ended. A restarted
// agent finds the sandboxes an earlier run left (it re-attaches no container,
// so all of them are finished) and schedules each by its mtime. As the disk
// fills up the delay shrinks, as Mesos' disk_watch does:
//
//   allowed age = delay × max(0, 1 − headroom − disk usage)
//
// so at 50 % usage with 10 % headroom a week-long delay becomes 2.8 days, and
// at 90 % or more everything scheduled goes at the next disk check. (As in
// Mesos, the delay is only reached on an empty disk with no headroom; usage is
// the filesystem's as `df` counts it for unprivileged users.)

import { readdir, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '@tessera/common';

export interface SandboxGcOptions {
  /** The agent's work dir; sandboxes live in <workDir>/agents/.../runs/<container>. */
  workDir: string;
  /** How long after its executor ended a sandbox is kept. */
  delayMs: number;
  /** Fraction of the disk kept free (Mesos' gc_disk_headroom); default 0.1. */
  diskHeadroom?: number;
  /** How often disk usage is checked; default 60 s. */
  diskWatchIntervalMs?: number;
  logger: Logger;
  /**
   * Whether a live executor still uses the sandbox (a container re-attached
   * after a restart keeps its old one): such a sandbox is dropped from the
   * schedule instead of deleted, whatever the order of recovery and scan.
   */
  inUse?: (sandbox: string) => boolean;
  /** Told each sandbox that was deleted (so it leaves the agent's records). */
  onRemoved?: (sandbox: string) => void;
  /** Disk usage of the work dir, 0..1; default from statfs (tests pass their own). */
  diskUsage?: () => Promise<number>;
}

/** setTimeout takes at most 2^31 − 1 ms; longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

export class SandboxGc {
  /** Sandbox → when its executor ended (ms since the epoch). */
  private readonly scheduled = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private diskTimer: NodeJS.Timeout | undefined;
  /** The allowed age now: the delay, shortened while the disk is full. */
  private maxAgeMs: number;
  private stopped = false;
  private readonly removing = new Set<Promise<void>>();

  constructor(private readonly options: SandboxGcOptions) {
    this.maxAgeMs = options.delayMs;
  }

  /** Schedules what an earlier run left behind and starts watching the disk. */
  async start(): Promise<void> {
    for (const sandbox of await findSandboxes(this.options.workDir)) {
      try {
        this.schedule(sandbox, (await stat(sandbox)).mtimeMs);
      } catch {
        // Gone between the listing and the stat: nothing to collect.
      }
    }
    if (this.scheduled.size > 0) this.options.logger.info({ sandboxes: this.scheduled.size }, 'sandbox gc: scheduled sandboxes of an earlier run');
    await this.checkDisk();
    const every = this.options.diskWatchIntervalMs ?? 60_000;
    this.diskTimer = setInterval(() => void this.checkDisk(), every);
    this.diskTimer.unref();
  }

  /** Deletes `sandbox` once `delayMs` (or less, when the disk is full) has passed since `endedAt`. */
  schedule(sandbox: string, endedAt = Date.now()): void {
    if (this.stopped) return;
    this.scheduled.set(sandbox, endedAt);
    this.arm();
  }

  /** Keeps `sandbox` (a container recovered after a restart still uses it). */
  cancel(sandbox: string): void {
    if (this.scheduled.delete(sandbox)) this.arm();
  }

  /** Sandboxes waiting for deletion, with when each will go. */
  pending(): Array<{ sandbox: string; removeAt: number }> {
    return [...this.scheduled].map(([sandbox, endedAt]) => ({ sandbox, removeAt: endedAt + this.maxAgeMs }));
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.diskTimer);
    return Promise.all([...this.removing]).then(() => undefined);
  }

  /** Shrinks the allowed age by the disk usage (Mesos' disk_watch) and collects what is now due. */
  async checkDisk(): Promise<void> {
    let usage: number;
    try {
      usage = await (this.options.diskUsage ?? (() => diskUsage(this.options.workDir)))();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'sandbox gc: cannot read disk usage');
      return;
    }
    const headroom = this.options.diskHeadroom ?? 0.1;
    const maxAgeMs = this.options.delayMs * Math.max(0, 1 - headroom - usage);
    if (maxAgeMs < this.options.delayMs && maxAgeMs !== this.maxAgeMs) {
      this.options.logger.info({ usage, maxAgeMs }, 'sandbox gc: disk is filling, collecting sandboxes sooner');
    }
    this.maxAgeMs = maxAgeMs;
    this.arm();
  }

  /** One timer, for the sandbox due first. */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.scheduled.size === 0) return;
    const firstEnd = Math.min(...this.scheduled.values());
    const wait = Math.max(0, Math.min(firstEnd + this.maxAgeMs - Date.now(), MAX_TIMER_MS));
    this.timer = setTimeout(() => this.collect(), wait);
    this.timer.unref();
  }

  private collect(): void {
    const now = Date.now();
    for (const [sandbox, endedAt] of this.scheduled) {
      if (endedAt + this.maxAgeMs > now) continue;
      this.scheduled.delete(sandbox);
      if (this.options.inUse?.(sandbox)) {
        this.options.logger.info({ sandbox }, 'sandbox gc: kept, a live executor uses it');
        continue;
      }
      const removal = this.remove(sandbox).finally(() => this.removing.delete(removal));
      this.removing.add(removal);
    }
    this.arm();
  }

  private async remove(sandbox: string): Promise<void> {
    try {
      await rm(sandbox, { recursive: true, force: true });
      this.options.logger.info({ sandbox }, 'sandbox gc: deleted');
      this.options.onRemoved?.(sandbox);
    } catch (err) {
      this.options.logger.warn({ sandbox, err: (err as Error).message }, 'sandbox gc: could not delete');
    }
  }
}

/** Used fraction of the filesystem holding `dir`, as `df` counts it for unprivileged users. */
export async function diskUsage(dir: string): Promise<number> {
  const fs = await statfs(dir);
  if (fs.blocks === 0) return 0;
  return 1 - fs.bavail / fs.blocks;
}

/** Every <workDir>/agents/<a>/frameworks/<f>/executors/<e>/runs/<c> directory. */
export async function findSandboxes(workDir: string): Promise<string[]> {
  const levels = ['agents', '*', 'frameworks', '*', 'executors', '*', 'runs', '*'];
  let dirs = [workDir];
  for (const level of levels) {
    const next: string[] = [];
    for (const dir of dirs) {
      if (level !== '*') {
        next.push(path.join(dir, level));
        continue;
      }
      const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const child of children) if (child.isDirectory()) next.push(path.join(dir, child.name));
    }
    dirs = next;
  }
  return dirs;
}
