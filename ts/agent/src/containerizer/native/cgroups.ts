// The cgroup side of a native container, behind one small interface so the
// containerizer does not care whether the host runs cgroup v1 (a hierarchy per
// controller) or v2 (one unified hierarchy). Each agent keeps its containers
// under <parent> = tessera/<agent key>, so several agents on one host (tessera
// dev) never destroy each other's containers at recovery.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';

import type { ContainerUsage } from '../containerizer.js';
import { CgroupsV1 } from './cgroups-v1.js';
import { CgroupsV2 } from './cgroups-v2.js';

/** What a container is held to; undefined fields are not limited. */
export interface ContainerLimits {
  cpus?: number;
  memoryBytes?: number;
  pidsMax: number;
  /** devices.deny lines (v1 devices controller), e.g. "c 195:1 rwm" for a GPU the task was not given. */
  deniedDevices: string[];
}

export interface Cgroups {
  readonly version: 1 | 2;
  /** Creates the container's cgroups with its limits; returns the cgroup.procs files its first process joins. */
  create(containerId: string, limits: ContainerLimits): Promise<string[]>;
  /** Processes in the container's cgroup now (empty when it is gone). Synchronous, so a recovery can kill before yielding. */
  pids(containerId: string): number[];
  usage(containerId: string): Promise<ContainerUsage | undefined>;
  /**
   * OOM kills the kernel made in the container's memory cgroup; undefined when
   * this kernel does not count them (v1 before Linux 4.13), and then
   * `memoryLimitHits` is the evidence.
   */
  oomKills(containerId: string): Promise<number | undefined>;
  /** How often the memory limit was hit (v1 memory.failcnt, v2 memory.events max). */
  memoryLimitHits(containerId: string): Promise<number>;
  /** Removes the container's cgroups; retries while they drain; throws if processes remain. */
  destroy(containerId: string): Promise<void>;
  /** Container ids with cgroups under this agent's parent (leftovers at recovery). */
  list(): string[];
  /** Removes this agent's (empty) parent cgroups, so test runs and agents leave nothing behind; best effort. */
  removeParent(): Promise<void>;
}

export type CgroupsDetection = { cgroups: Cgroups } | { unavailable: string };

/** v1 controllers a native container needs; devices only when GPUs are isolated. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'] as const;
export const V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;

/**
 * Which cgroup version this host gives us at `root`, or why none is usable:
 * v2 when `root` is a unified hierarchy with cpu, memory and pids available;
 * v1 when the cpu, cpuacct, memory and pids hierarchies are mounted under it.
 */
export function detectCgroups(root: string, parent: string, isRoot = process.getuid?.() === 0): CgroupsDetection {
  if (!isRoot) return { unavailable: 'the agent is not running as root' };
  if (!existsSync(root)) return { unavailable: `no cgroup hierarchy at ${root}` };
  const controllersFile = path.join(root, 'cgroup.controllers');
  if (existsSync(controllersFile)) {
    const available = readFileSync(controllersFile, 'utf8').trim().split(/\s+/);
    const missing = V2_CONTROLLERS.filter((name) => !available.includes(name));
    if (missing.length === 0) return { cgroups: new CgroupsV2(root, parent) };
    return { unavailable: `cgroup v2 at ${root} lacks the ${missing.join(', ')} controller(s)` };
  }
  const missing = V1_CONTROLLERS.filter((name) => !existsSync(path.join(root, name, 'cgroup.procs')));
  if (missing.length === 0) {
    return { cgroups: new CgroupsV1(root, parent, { devices: existsSync(path.join(root, 'devices', 'devices.deny')) }) };
  }
  return { unavailable: `cgroup v1 hierarchies missing under ${root}: ${missing.join(', ')}` };
}

/** CFS period in microseconds (the kernel default). */
export const CFS_PERIOD_US = 100_000;
/** The kernel's smallest CFS quota. */
export const CFS_MIN_QUOTA_US = 1_000;

/** cpu.shares for cpus (Mesos: 1024 per cpu, at least the kernel's minimum of 2). */
export function cpuShares(cpus: number): number {
  return Math.max(2, Math.round(1024 * cpus));
}

/** CFS quota for cpus over CFS_PERIOD_US. */
export function cfsQuotaUs(cpus: number): number {
  return Math.max(CFS_MIN_QUOTA_US, Math.round(cpus * CFS_PERIOD_US));
}

/** Reads a cgroup file; undefined when it is absent. */
export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** "key value" lines (cpu.stat, memory.events, memory.oom_control) as numbers. */
export function parseFlatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out.set(key, Number(value));
  }
  return out;
}

export function parsePids(text: string | undefined): number[] {
  return (text ?? '')
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** rmdir of a directory that may be in use or gone: left alone then. */
export async function rmdirIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

/** rmdir, retried while the kernel still counts exiting processes in the cgroup (EBUSY). */
export async function removeCgroupDir(dir: string, attempts = 100): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * 5)));
    }
  }
}

/** Reads a cgroup file synchronously; undefined when it is absent. */
export function readOptionalSync(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Subdirectory names of dir; none when it does not exist. */
export function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}
