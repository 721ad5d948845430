// The start-up choice: turn --containerizers into the agent's one
// ComposingContainerizer. `native` needs root and cgroups; without them it is
// replaced by posix isolation, with a warning saying why, as the issue asks.

import type { Logger } from '@tessera/common';

import { ComposingContainerizer, type ContainerizerName } from './composing.js';
import type { Containerizer } from './containerizer.js';
import { PosixContainerizer, type Rlimits } from './posix.js';

export interface ContainerizerSetup {
  names: ContainerizerName[];
  logger: Logger;
  rlimits?: Rlimits;
  /** <workDir>/meta/containers: pid checkpoints of posix containers. */
  checkpointDir: string;
  cgroupsRoot: string;
  pidsMax: number;
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
      // Replaced by NativeContainerizer (namespaces + cgroups) in the next change.
      setup.logger.warn('the native containerizer is not available yet: tasks run with posix isolation');
      return posix(setup);
    case 'docker':
      throw new TypeError('containerizers: docker is not available in this build yet');
  }
}

function posix(setup: ContainerizerSetup): PosixContainerizer {
  return new PosixContainerizer({ logger: setup.logger, rlimits: setup.rlimits, checkpointDir: setup.checkpointDir });
}
