// Whether the host rebooted since the agent last ran: the kernel's boot id
// (a random UUID per boot) is checkpointed at every start and compared at the
// next. After a reboot no container of the earlier run can still be running,
// and the pids the checkpoints name belong to other processes, so the agent
// re-attaches nothing (as Mesos, which does not even read the forked pids then).

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from '@tessera/common';

import { bootIdFile } from '../paths.js';

/** Where the kernel tells this boot's id. */
export const KERNEL_BOOT_ID = '/proc/sys/kernel/random/boot_id';

function readTrimmed(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

export interface BootCheck {
  /** This boot's id; undefined when it cannot be read (then no reboot is ever detected). */
  bootId: string | undefined;
  /** A boot id was recorded by an earlier run and differs from this boot's. */
  rebooted: boolean;
}

/** Compares this boot's id (read from `source`) with the one the work dir recorded. */
export function checkBoot(workDir: string, source: string, logger: Logger): BootCheck {
  const bootId = readTrimmed(source);
  if (bootId === undefined) {
    logger.warn({ source }, 'cannot read the boot id: a reboot of this host will not be detected at the next start');
    return { bootId, rebooted: false };
  }
  const recorded = readTrimmed(bootIdFile(workDir));
  const rebooted = recorded !== undefined && recorded !== bootId;
  if (rebooted) logger.warn({ was: recorded, now: bootId }, 'the host rebooted since the agent last ran: its tasks are not re-attached');
  return { bootId, rebooted };
}

/** Records this boot's id, after recovery (as Mesos), so the next start can tell a reboot. */
export function checkpointBootId(workDir: string, bootId: string): void {
  const file = bootIdFile(workDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', bootId + '\n');
  renameSync(file + '.tmp', file);
}
