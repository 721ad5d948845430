// GPU isolation: a container sees only the GPUs it was allocated. The agent's
// GPUs are indices 0..n-1 (nvidia-smi's order); each launch asking for `gpus`
// takes that many free indices, gives them back when the container ends, gets
// NVIDIA_VISIBLE_DEVICES / CUDA_VISIBLE_DEVICES naming them, and (cgroup v1)
// devices.deny lines for every other /dev/nvidia<N> (character major 195).

/** The character-device major number of /dev/nvidia<N>. */
export const NVIDIA_MAJOR = 195;

export class GpuAllocator {
  private readonly free: number[];
  private readonly held = new Map<string, number[]>();

  constructor(readonly indices: readonly number[]) {
    this.free = [...indices].sort((a, b) => a - b);
  }

  /** Takes `count` free GPUs for a container (lowest indices first); throws when too few are free. */
  allocate(containerId: string, count: number): number[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`gpus: must be a whole number of GPUs (got ${count})`);
    if (this.held.has(containerId)) throw new Error(`container ${containerId} already holds GPUs`);
    if (count > this.free.length) {
      throw new RangeError(`gpus: ${count} requested but ${this.free.length} of this agent's ${this.indices.length} are free`);
    }
    const taken = this.free.splice(0, count);
    this.held.set(containerId, taken);
    return taken;
  }

  /** A re-attached container keeps the GPUs it had (those this agent still has and nobody holds). */
  claim(containerId: string, indices: readonly number[]): number[] {
    if (this.held.has(containerId)) throw new Error(`container ${containerId} already holds GPUs`);
    const taken = indices.filter((index) => this.free.includes(index));
    for (const index of taken) this.free.splice(this.free.indexOf(index), 1);
    this.held.set(containerId, taken);
    return taken;
  }

  release(containerId: string): void {
    const taken = this.held.get(containerId);
    if (!taken) return;
    this.held.delete(containerId);
    this.free.push(...taken);
    this.free.sort((a, b) => a - b);
  }

  freeCount(): number {
    return this.free.length;
  }
}

/** devices.deny lines for the agent's GPUs a container was not given. */
export function gpuDenyLines(all: readonly number[], allowed: readonly number[]): string[] {
  return all.filter((index) => !allowed.includes(index)).map((index) => `c ${NVIDIA_MAJOR}:${index} rwm`);
}

/** The environment naming a container's GPUs ("void" hides them all from the NVIDIA runtime). */
export function gpuEnvironment(allowed: readonly number[]): Record<string, string> {
  const list = allowed.join(',');
  return { NVIDIA_VISIBLE_DEVICES: list === '' ? 'void' : list, CUDA_VISIBLE_DEVICES: list };
}
