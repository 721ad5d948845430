// cgroup v2: one unified hierarchy; each container is <root>/<parent>/<id>
// with cpu, memory and pids enabled from the root down (cgroup.subtree_control
// at every level, which needs those controllers delegated to us). Limits:
// cpu.weight (cpu.shares mapped onto 1-10000) and cpu.max from cpus;
// memory.max and memory.swap.max = 0 from mem; pids.max. Device isolation on
// v2 needs BPF programs, which Tessera does not load: GPU devices are only
// hidden through the environment there.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { ContainerUsage } from '../containerizer.js';
import {
  CFS_PERIOD_US,
  V2_CONTROLLERS,
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

/** The kernel's (and systemd's) mapping of cpu.shares 2-262144 onto cpu.weight 1-10000. */
export function cpuWeight(shares: number): number {
  return Math.min(10_000, Math.max(1, 1 + Math.floor(((shares - 2) * 9_999) / 262_142)));
}

export class CgroupsV2 implements Cgroups {
  readonly version = 2;

  constructor(
    private readonly root: string,
    private readonly parent: string,
  ) {}

  dir(containerId: string): string {
    return path.join(this.root, this.parent, containerId);
  }

  async create(containerId: string, limits: ContainerLimits): Promise<string[]> {
    await this.delegate();
    const dir = this.dir(containerId);
    await mkdir(dir, { recursive: true });
    if (limits.cpus !== undefined) {
      await writeFile(path.join(dir, 'cpu.weight'), String(cpuWeight(cpuShares(limits.cpus))));
      await writeFile(path.join(dir, 'cpu.max'), `${cfsQuotaUs(limits.cpus)} ${CFS_PERIOD_US}`);
    }
    if (limits.memoryBytes !== undefined) {
      await writeFile(path.join(dir, 'memory.max'), String(limits.memoryBytes));
      if ((await readOptional(path.join(dir, 'memory.swap.max'))) !== undefined) await writeFile(path.join(dir, 'memory.swap.max'), '0');
    }
    await writeFile(path.join(dir, 'pids.max'), String(limits.pidsMax));
    if (limits.deniedDevices.length > 0) {
      throw new Error('device isolation (GPUs) on cgroup v2 needs BPF, which this agent does not load');
    }
    return [path.join(dir, 'cgroup.procs')];
  }

  pids(containerId: string): number[] {
    return parsePids(readOptionalSync(path.join(this.dir(containerId), 'cgroup.procs')));
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const dir = this.dir(containerId);
    const [cpuStat, current, peak, max, cpuMax, procs] = await Promise.all(
      ['cpu.stat', 'memory.current', 'memory.peak', 'memory.max', 'cpu.max', 'cgroup.procs'].map((file) =>
        readOptional(path.join(dir, file)),
      ),
    );
    if (cpuStat === undefined || current === undefined) return undefined;
    const cpu = parseFlatKeyed(cpuStat);
    const [quota, period] = (cpuMax ?? 'max').trim().split(/\s+/);
    return {
      cpuUserSeconds: (cpu.get('user_usec') ?? 0) / 1e6,
      cpuSystemSeconds: (cpu.get('system_usec') ?? 0) / 1e6,
      memoryBytes: Number(current),
      memoryPeakBytes: peak === undefined ? undefined : Number(peak),
      cpusLimit: quota && quota !== 'max' && Number(period) > 0 ? Number(quota) / Number(period) : undefined,
      memoryLimitBytes: max === undefined || max.trim() === 'max' ? undefined : Number(max),
      processes: parsePids(procs).length,
    };
  }

  async oomKills(containerId: string): Promise<number | undefined> {
    return parseFlatKeyed(await readOptional(path.join(this.dir(containerId), 'memory.events'))).get('oom_kill') ?? 0;
  }

  async memoryLimitHits(containerId: string): Promise<number> {
    return parseFlatKeyed(await readOptional(path.join(this.dir(containerId), 'memory.events'))).get('max') ?? 0;
  }

  async destroy(containerId: string): Promise<void> {
    await removeCgroupDir(this.dir(containerId));
  }

  list(): string[] {
    return subdirectories(path.join(this.root, this.parent));
  }

  async removeParent(): Promise<void> {
    await rmdirIfEmpty(path.join(this.root, this.parent));
  }

  /** Enables cpu, memory and pids for children at every level from the root down to the parent. */
  private async delegate(): Promise<void> {
    // Checked each time: the parent may have been removed (removeParent) and made again.
    const enabled = await readOptional(path.join(this.root, this.parent, 'cgroup.subtree_control'));
    if (enabled !== undefined && V2_CONTROLLERS.every((name) => enabled.split(/\s+/).includes(name))) return;
    const enable = V2_CONTROLLERS.map((name) => `+${name}`).join(' ');
    let dir = this.root;
    for (const segment of ['', ...this.parent.split('/').filter(Boolean)]) {
      dir = path.join(dir, segment);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'cgroup.subtree_control'), enable);
    }
  }
}
