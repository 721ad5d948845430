// One-shot resource usage of a container from Docker's stats API (the cgroup
// counters Docker reads for `docker stats --no-stream`).

import type Docker from 'dockerode';

import type { ContainerUsage } from '../containerizer.js';

const NANOS = 1e9;

export async function containerUsage(container: Docker.Container): Promise<ContainerUsage> {
  const [stats, inspect] = await Promise.all([container.stats({ stream: false }), container.inspect()]);
  const cpu = stats.cpu_stats.cpu_usage;
  const hostConfig = inspect.HostConfig;
  return {
    cpuUserSeconds: (cpu.usage_in_usermode ?? 0) / NANOS,
    cpuSystemSeconds: (cpu.usage_in_kernelmode ?? 0) / NANOS,
    memoryBytes: stats.memory_stats.usage ?? 0,
    ...(stats.memory_stats.max_usage ? { memoryPeakBytes: stats.memory_stats.max_usage } : {}),
    ...(stats.pids_stats?.current !== undefined ? { processes: stats.pids_stats.current } : {}),
    ...(hostConfig.Memory ? { memoryLimitBytes: hostConfig.Memory } : {}),
    ...(hostConfig.NanoCpus ? { cpusLimit: hostConfig.NanoCpus / NANOS } : {}),
  };
}
