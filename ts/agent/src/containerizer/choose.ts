// The start-up choice: turn --containerizers into the agent's one
// ComposingContainerizer. `native` needs root and cgroups; without them it is
// replaced by posix isolation, with a warning saying why, as the issue asks.

import { createHash } from 'node:crypto';
import path from 'node:path';

import type { Logger } from '@tessera/common';

import { ComposingContainerizer, type ContainerizerName } from './composing.js';
import type { Containerizer } from './containerizer.js';
import { DockerContainerizer } from './docker/docker-containerizer.js';
import { detectCgroups } from './native/cgroups.js';
import { NativeContainerizer } from './native/native.js';
import { PosixContainerizer, type Rlimits } from './posix.js';

export interface ContainerizerSetup {
  names: ContainerizerName[];
  logger: Logger;
  rlimits?: Rlimits;
  /** <workDir>/meta/containers: pid checkpoints of posix containers. */
  checkpointDir: string;
  cgroupsRoot: string;
  pidsMax: number;
  /** The agent's work dir: names its cgroup parent, tessera/<hash>. */
  workDir: string;
  /** The Docker Engine's socket (docker containerizer). */
  dockerSocket?: string;
  /** How many GPUs the agent has (indices 0..gpus-1). */
  gpus: number;
}

export function createContainerizer(setup: ContainerizerSetup): ComposingContainerizer {
  const members: Partial<Record<ContainerizerName, Containerizer>> = {};
  for (const name of setup.names) members[name] = create(name, setup);
  return new ComposingContainerizer(members);
}

function create(name: ContainerizerName, setup: ContainerizerSetup): Containerizer {
  switch (name) {
    case 'posix':
      return posix(setup);
    case 'native':
      return native(setup);
    case 'docker':
      // Whether the engine answers is found at recovery, the first call: the agent fails to start saying so.
      return new DockerContainerizer({ logger: setup.logger, workDir: setup.workDir, dockerSocket: setup.dockerSocket });
  }
}

function posix(setup: ContainerizerSetup): PosixContainerizer {
  return new PosixContainerizer({ logger: setup.logger, rlimits: setup.rlimits, checkpointDir: setup.checkpointDir });
}

/** The cgroup parent of an agent: one per work dir, so agents sharing a host keep apart. */
export function cgroupParent(workDir: string): string {
  return `tessera/${createHash('sha256').update(workDir).digest('hex').slice(0, 12)}`;
}

function native(setup: ContainerizerSetup): Containerizer {
  const parent = cgroupParent(setup.workDir);
  const found = detectCgroups(setup.cgroupsRoot, parent);
  if ('unavailable' in found) {
    setup.logger.warn(
      { reason: found.unavailable },
      `native containerizer unavailable (${found.unavailable}): tasks run with posix isolation (process groups, rlimits; no namespaces or cgroups)`,
    );
    return posix(setup);
  }
  try {
    const containerizer = new NativeContainerizer({
      logger: setup.logger,
      cgroups: found.cgroups,
      pidsMax: setup.pidsMax,
      rlimits: setup.rlimits,
      checkpointDir: path.join(setup.workDir, 'meta', 'native-containers'),
      gpus: Array.from({ length: setup.gpus }, (_, index) => index),
    });
    setup.logger.info(
      { cgroups: `v${found.cgroups.version}`, root: setup.cgroupsRoot, parent },
      'native containerizer: PID, mount, UTS and IPC namespaces; cpu, memory and pids cgroups',
    );
    return containerizer;
  } catch (err) {
    setup.logger.warn({ reason: (err as Error).message }, 'native containerizer unavailable: tasks run with posix isolation');
    return posix(setup);
  }
}
