// Samples for the charts, computed in the browser (the master keeps no
// history). A sample is taken at most every SAMPLE_EVERY_MS, however often
// the summary is refreshed (a burst of events refreshes it many times a
// second); the last MAX_SAMPLES are kept (20 minutes). Throughput counts the
// event stream's task events in fixed buckets, so it needs the stream.

import type { ClusterSummary, Role } from './types.js';

export const SAMPLE_EVERY_MS = 2000;
export const MAX_SAMPLES = 600;
export const BUCKET_MS = 10_000;
export const MAX_BUCKETS = 120;

export interface Sample {
  /** ms since the epoch. */
  t: number;
  total: { cpus: number; mem: number };
  used: { cpus: number; mem: number };
  /** cpus the allocator counts against each role (offered + used), when it reports roles. */
  cpusByRole: Record<string, number>;
}

/** Task events in one BUCKET_MS window starting at `t`. */
export interface Bucket {
  t: number;
  launched: number;
  completed: number;
}

export class History {
  readonly samples: Sample[] = [];
  readonly buckets: Bucket[] = [];

  #bucket(now: number): Bucket {
    const t = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    let last = this.buckets[this.buckets.length - 1];
    // Empty windows are zeros, not gaps: the line drops to 0 when nothing happens.
    while (!last || last.t < t) {
      last = { t: last ? last.t + BUCKET_MS : t, launched: 0, completed: 0 };
      this.buckets.push(last);
    }
    if (this.buckets.length > MAX_BUCKETS) this.buckets.splice(0, this.buckets.length - MAX_BUCKETS);
    return last;
  }

  countLaunch(now = Date.now()): void {
    this.#bucket(now).launched++;
  }

  countCompletion(now = Date.now()): void {
    this.#bucket(now).completed++;
  }

  /** Brings the buckets up to now (so a quiet minute shows as zeros). */
  tick(now = Date.now()): void {
    this.#bucket(now);
  }

  add(summary: ClusterSummary, roles: Role[] | null | undefined, t = Date.now()): void {
    this.tick(t);
    const last = this.samples[this.samples.length - 1];
    if (last && t - last.t < SAMPLE_EVERY_MS) return;
    const r = (name: string) => summary.resources.find((x) => x.name === name);
    const cpusByRole: Record<string, number> = {};
    // A role's own allocation, not its subtree's, so stacking does not count a parent twice.
    for (const role of roles ?? []) if (role.allocated['cpus']) cpusByRole[role.name] = role.allocated['cpus'];
    this.samples.push({
      t,
      total: { cpus: r('cpus')?.total ?? 0, mem: r('mem')?.total ?? 0 },
      used: { cpus: r('cpus')?.used ?? 0, mem: r('mem')?.used ?? 0 },
      cpusByRole,
    });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }
}
