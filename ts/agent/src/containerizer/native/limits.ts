// A task's resources → what its cgroups enforce. Amounts of one name held
// under several roles add up (cpus:1 + cpus(ml):2 = 3 cpus).

import type { Resource } from '@tessera/common';

const MiB = 1024 * 1024;

export interface ResourceAmounts {
  cpus?: number;
  memoryBytes?: number;
  gpus: number;
}

export function resourceAmounts(resources: readonly Resource[]): ResourceAmounts {
  const sum = (name: string): number | undefined => {
    const amounts = resources.filter((resource) => resource.name === name && resource.scalar).map((r) => r.scalar!.value);
    return amounts.length === 0 ? undefined : amounts.reduce((a, b) => a + b, 0);
  };
  const mem = sum('mem');
  return {
    cpus: sum('cpus'),
    memoryBytes: mem === undefined ? undefined : Math.round(mem * MiB),
    gpus: Math.round(sum('gpus') ?? 0),
  };
}

export function describeBytes(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}
