// Samples for the charts, computed in the browser (the master keeps no
// history): one per refresh of the summary, the last MAX_SAMPLES kept (about
// 20 minutes at the usual rate). Throughput counts the event stream's task
// events between samples, so it needs the stream.

import type { ClusterSummary, Role } from './types.js';

export const MAX_SAMPLES = 600;

export interface Sample {
  /** ms since the epoch. */
  t: number;
  total: { cpus: number; mem: number };
  used: { cpus: number; mem: number };
  /** cpus the allocator counts against each role (offered + used), when it reports roles. */
  cpusByRole: Record<string, number>;
  /** Task events since the previous sample: launches, and updates to a terminal state. */
  launched: number;
  completed: number;
}

export class History {
  readonly samples: Sample[] = [];
  #launched = 0;
  #completed = 0;

  countLaunch(): void {
    this.#launched++;
  }

  countCompletion(): void {
    this.#completed++;
  }

  add(summary: ClusterSummary, roles: Role[] | null | undefined, t = Date.now()): void {
    const r = (name: string) => summary.resources.find((x) => x.name === name);
    const cpusByRole: Record<string, number> = {};
    // Leaf view: a role's own allocation (not its subtree), so stacking does not count a parent twice.
    for (const role of roles ?? []) if (role.allocated['cpus']) cpusByRole[role.name] = role.allocated['cpus'];
    this.samples.push({
      t,
      total: { cpus: r('cpus')?.total ?? 0, mem: r('mem')?.total ?? 0 },
      used: { cpus: r('cpus')?.used ?? 0, mem: r('mem')?.used ?? 0 },
      cpusByRole,
      launched: this.#launched,
      completed: this.#completed,
    });
    this.#launched = 0;
    this.#completed = 0;
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }
}
