// cgroup v1: one hierarchy per controller, each container a directory
// <root>/<controller>/<parent>/<container-id> in cpu, cpuacct, memory, pids
// (and devices when GPUs are isolated). Limits: cpu.shares and CFS quota from
// cpus; memory.limit_in_bytes (and memory.memsw.limit_in_bytes where swap
// accounting exists, so the limit cannot be dodged by swapping) from mem;
// pids.max; devices.deny lines.

import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { ContainerUsage } from '../containerizer.js';
import {
  CFS_PERIOD_US,
  cfsQuotaUs,
  cpuShares,
  parseFlatKeyed,
  parsePids,
  readOptional,
  readOptionalSync,
  removeCgroupDir,
  rmdirIfEmpty,
  subdirectories,
  type Cgroups,
  type ContainerLimits,
} from './cgroups.js';

/** USER_HZ: cpuacct.stat counts clock ticks of 1/100 s on Linux. */
const USER_HZ = 100;
/** memory.limit_in_bytes when unlimited (page-rounded LONG_MAX) reads above this. */
const UNLIMITED = 2 ** 62;

export class CgroupsV1 implements Cgroups {
  readonly version = 1;
  private readonly controllers: string[];

  constructor(
    private readonly root: string,
    private readonly parent: string,
    options: { devices: boolean },
  ) {
    this.controllers = ['cpu', 'cpuacct', 'memory', 'pids', ...(options.devices ? ['devices'] : [])];
  }

  dir(controller: string, containerId: string): string {
    return path.join(this.root, controller, this.parent, containerId);
  }

  async create(containerId: string, limits: ContainerLimits): Promise<string[]> {
    const dirs = await this.distinctDirs(containerId, true);
    const cpu = this.dir('cpu', containerId);
    const memory = this.dir('memory', containerId);
    if (limits.cpus !== undefined) {
      await writeFile(path.join(cpu, 'cpu.shares'), String(cpuShares(limits.cpus)));
      await writeFile(path.join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      await writeFile(path.join(cpu, 'cpu.cfs_quota_us'), String(cfsQuotaUs(limits.cpus)));
    }
    if (limits.memoryBytes !== undefined) {
      await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // memsw must stay >= the memory limit, so it is written second.
      if ((await readOptional(path.join(memory, 'memory.memsw.limit_in_bytes'))) !== undefined) {
        await writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      }
    }
    await writeFile(path.join(this.dir('pids', containerId), 'pids.max'), String(limits.pidsMax));
    if (limits.deniedDevices.length > 0) {
      if (!this.controllers.includes('devices')) throw new Error('the devices cgroup controller is not mounted');
      for (const line of limits.deniedDevices) await writeFile(path.join(this.dir('devices', containerId), 'devices.deny'), line);
    }
    return dirs.map((dir) => path.join(dir, 'cgroup.procs'));
  }

  pids(containerId: string): number[] {
    return parsePids(readOptionalSync(path.join(this.dir('pids', containerId), 'cgroup.procs')));
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const memory = this.dir('memory', containerId);
    const [cpuacct, current, peak, limit, quota, period, procs] = await Promise.all([
      readOptional(path.join(this.dir('cpuacct', containerId), 'cpuacct.stat')),
      readOptional(path.join(memory, 'memory.usage_in_bytes')),
      readOptional(path.join(memory, 'memory.max_usage_in_bytes')),
      readOptional(path.join(memory, 'memory.limit_in_bytes')),
      readOptional(path.join(this.dir('cpu', containerId), 'cpu.cfs_quota_us')),
      readOptional(path.join(this.dir('cpu', containerId), 'cpu.cfs_period_us')),
      readOptional(path.join(this.dir('pids', containerId), 'cgroup.procs')),
    ]);
    if (cpuacct === undefined || current === undefined) return undefined;
    const ticks = parseFlatKeyed(cpuacct);
    const memoryLimit = Number(limit);
    const quotaUs = Number(quota);
    return {
      cpuUserSeconds: (ticks.get('user') ?? 0) / USER_HZ,
      cpuSystemSeconds: (ticks.get('system') ?? 0) / USER_HZ,
      memoryBytes: Number(current),
      memoryPeakBytes: peak === undefined ? undefined : Number(peak),
      cpusLimit: quotaUs > 0 && Number(period) > 0 ? quotaUs / Number(period) : undefined,
      memoryLimitBytes: Number.isFinite(memoryLimit) && memoryLimit < UNLIMITED ? memoryLimit : undefined,
      processes: parsePids(procs).length,
    };
  }

  async oomKills(containerId: string): Promise<number | undefined> {
    // oom_kill is in memory.oom_control since Linux 4.13.
    const text = await readOptional(path.join(this.dir('memory', containerId), 'memory.oom_control'));
    if (text === undefined) return 0;
    return parseFlatKeyed(text).get('oom_kill');
  }

  async memoryLimitHits(containerId: string): Promise<number> {
    return Number((await readOptional(path.join(this.dir('memory', containerId), 'memory.failcnt')))?.trim() ?? 0) || 0;
  }

  async destroy(containerId: string): Promise<void> {
    for (const dir of await this.distinctDirs(containerId, false)) await removeCgroupDir(dir);
  }

  list(): string[] {
    const ids = new Set(this.controllers.flatMap((controller) => subdirectories(path.join(this.root, controller, this.parent))));
    return [...ids];
  }

  async removeParent(): Promise<void> {
    for (const controller of this.controllers) await rmdirIfEmpty(path.join(this.root, controller, this.parent));
  }

  /** One directory per hierarchy; co-mounted controllers (cpu,cpuacct) share one. */
  private async distinctDirs(containerId: string, make: boolean): Promise<string[]> {
    const seen = new Map<string, string>();
    for (const controller of this.controllers) {
      const dir = this.dir(controller, containerId);
      if (make) await mkdir(dir, { recursive: true });
      let real: string;
      try {
        real = await realpath(dir);
      } catch {
        continue; // Already removed.
      }
      if (!seen.has(real)) seen.set(real, dir);
    }
    return [...seen.values()];
  }
}
