// What this machine has to offer, measured once at start-up. The reserves
// follow Mesos: the system keeps some memory and disk for itself so a full
// agent does not starve the OS (min(1 GiB, half) of memory, min(5 GiB, half)
// of disk).

import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

import type { Resource as AllocatorResource } from '@tessera/allocator/types';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const DEFAULT_PORTS: [number, number] = [31000, 32000];

/** The resources this machine has, in the allocator's form (unreserved). */
export async function detectAllocatorResources(workDir = os.tmpdir()): Promise<AllocatorResource[]> {
  const [cpus, disk, gpus] = await Promise.all([detectCpus(), detectDiskMiB(workDir), detectGpus()]);
  const out: AllocatorResource[] = [
    { name: 'cpus', scalar: cpus },
    { name: 'mem', scalar: detectMemMiB() },
    { name: 'disk', scalar: disk },
    { name: 'ports', ranges: [DEFAULT_PORTS] },
  ];
  if (gpus > 0) out.push({ name: 'gpus', scalar: gpus });
  return out;
}

/** CPUs: the cgroup v2 quota when one limits us, else the parallelism Node sees. */
export async function detectCpus(): Promise<number> {
  const parallel = os.availableParallelism();
  try {
    const [quota, period] = (await readFile('/sys/fs/cgroup/cpu.max', 'utf8')).trim().split(/\s+/);
    if (quota && quota !== 'max' && period) {
      const limit = Number(quota) / Number(period);
      // Round to hundredths, as scalars are kept to three decimals anyway.
      if (Number.isFinite(limit) && limit > 0) return Math.min(parallel, Math.round(limit * 100) / 100);
    }
  } catch {
    // No cgroup v2 cpu controller visible: not limited that way.
  }
  return parallel;
}

/** Memory in MiB, total minus min(1 GiB, half). */
export function detectMemMiB(): number {
  const total = os.totalmem();
  return Math.floor((total - Math.min(GiB, total / 2)) / MiB);
}

/** Free disk of workDir's filesystem in MiB, minus min(5 GiB, half). */
export async function detectDiskMiB(workDir: string): Promise<number> {
  const stats = await statfs(workDir);
  const free = stats.bavail * stats.bsize;
  return Math.max(0, Math.floor((free - Math.min(5 * GiB, free / 2)) / MiB));
}

/** GPUs nvidia-smi lists; none when the binary is absent or fails. */
export function detectGpus(): Promise<number> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(0);
      resolve(stdout.split('\n').filter((line) => line.trim() !== '').length);
    });
  });
}
