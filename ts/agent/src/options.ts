// startAgent's options: what they mean, their defaults, and the checks that
// turn a bad value into a TypeError naming the option.

import os from 'node:os';
import path from 'node:path';

import type { Logger } from '@tessera/common';
import { parseZkUrl } from '@tessera/ha/url';

import { CONTAINERIZER_NAMES, type ContainerizerName } from './containerizer/composing.js';
import type { Containerizer } from './containerizer/containerizer.js';
import type { Rlimits } from './containerizer/posix.js';
import { KERNEL_BOOT_ID } from './recovery/boot-id.js';
import { checkSandboxOptions, type CheckedSandboxOptions, type SandboxOptions } from './sandbox/options.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface AgentOptions extends SandboxOptions {
  /** The master's gRPC address, host:port, or zk://host:port,…/path to follow the leader ZooKeeper names. */
  master: string;
  /** Where sandboxes and checkpoints live. */
  workDir: string;
  /** Interface of the HTTP server, also the host of AgentInfo.address; default 127.0.0.1. */
  host?: string;
  /** HTTP port; default 5051, 0 for an ephemeral one. */
  port?: number;
  /** Default os.hostname(). */
  hostname?: string;
  /** Mesos text form ("cpus:4;mem:8192;ports:[31000-32000];cpus(ml):2"); replaces detection per name. */
  resources?: string;
  /** "rack:r1;zone:a;level:3"; numbers become scalars. */
  attributes?: string;
  /** Replaces the containerizers chosen by `containerizers` (tests, embedders). */
  containerizer?: Containerizer;
  /** Which containerizers run tasks (--containerizers); default ['native'] (posix where cgroups are unavailable). */
  containerizers?: ContainerizerName[];
  /** Where the cgroup hierarchies are mounted, for the native containerizer; default /sys/fs/cgroup. */
  cgroupsRoot?: string;
  /** pids.max of each native container; default 4096. */
  pidsMax?: number;
  /** The Docker Engine's unix socket, for the docker containerizer; default /var/run/docker.sock. */
  dockerSocket?: string;
  logger?: Logger;
  /** Resending unacknowledged status updates; default 10 s doubling to 10 min. */
  statusUpdateRetry?: Backoff;
  /** Reconnecting to the master; default 200 ms doubling to 10 s. */
  reconnectBackoff?: Backoff;
  /** Kill grace when neither the kill nor the task names one; default 3 s. */
  defaultKillGraceSeconds?: number;
  /** rlimits for the default PosixContainerizer (core defaults to 0). */
  rlimits?: Rlimits;
  /** Missed pings the master tolerates (its max_agent_ping_timeouts); default 5. */
  maxPingTimeouts?: number;
  /** How long to wait for Registered after connecting; default 30 s. */
  registrationTimeoutMs?: number;
  /** A custom executor that has not subscribed by then is killed; default 60 s. */
  executorRegistrationTimeoutMs?: number;
  /**
   * What a restarted agent does with what its earlier run left (--recover):
   * 'reconnect' (default) re-attaches the containers of live tasks and keeps
   * the agent id; 'cleanup' kills them all and joins as a new agent.
   */
  recover?: RecoverMode;
  /** Where this boot's id is read, to tell a reboot; default /proc/sys/kernel/random/boot_id. For tests that fake a reboot. */
  bootIdFile?: string;
}

export type RecoverMode = 'reconnect' | 'cleanup';
export const RECOVER_MODES: readonly RecoverMode[] = ['reconnect', 'cleanup'];

export interface CheckedOptions {
  master: string;
  workDir: string;
  host: string;
  port: number;
  hostname: string;
  statusUpdateRetry: Backoff;
  reconnectBackoff: Backoff;
  defaultKillGraceMs: number;
  maxPingTimeouts: number;
  registrationTimeoutMs: number;
  executorRegistrationTimeoutMs: number;
  containerizers: ContainerizerName[];
  cgroupsRoot: string;
  pidsMax: number;
  dockerSocket: string;
  recover: RecoverMode;
  bootIdFile: string;
  /** The fetcher's and sandbox GC's (sandbox/options.ts). */
  sandbox: CheckedSandboxOptions;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-_]+):(\d{1,5})$/;

export function checkOptions(options: AgentOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: must be an object');
  return {
    master: masterAddress(options.master),
    workDir: workDir(options.workDir),
    host: nonEmpty('host', options.host ?? '127.0.0.1'),
    port: integer('port', options.port ?? 5051, 0, 65535),
    hostname: nonEmpty('hostname', options.hostname ?? os.hostname()),
    statusUpdateRetry: backoff('statusUpdateRetry', options.statusUpdateRetry ?? { initialMs: 10_000, maxMs: 600_000 }),
    reconnectBackoff: backoff('reconnectBackoff', options.reconnectBackoff ?? { initialMs: 200, maxMs: 10_000 }),
    defaultKillGraceMs: seconds('defaultKillGraceSeconds', options.defaultKillGraceSeconds ?? 3) * 1000,
    maxPingTimeouts: integer('maxPingTimeouts', options.maxPingTimeouts ?? 5, 1, 1000),
    registrationTimeoutMs: integer('registrationTimeoutMs', options.registrationTimeoutMs ?? 30_000, 1, 3_600_000),
    executorRegistrationTimeoutMs: integer(
      'executorRegistrationTimeoutMs',
      options.executorRegistrationTimeoutMs ?? 60_000,
      1,
      3_600_000,
    ),
    containerizers: containerizers(options.containerizers ?? ['native']),
    cgroupsRoot: absolutePath('cgroupsRoot', options.cgroupsRoot ?? '/sys/fs/cgroup'),
    pidsMax: integer('pidsMax', options.pidsMax ?? 4096, 1, 4_194_304),
    dockerSocket: absolutePath('dockerSocket', options.dockerSocket ?? '/var/run/docker.sock'),
    recover: recoverMode(options.recover ?? 'reconnect'),
    bootIdFile: absolutePath('bootIdFile', options.bootIdFile ?? KERNEL_BOOT_ID),
    sandbox: checkSandboxOptions(options),
  };
}

function containerizers(value: unknown): ContainerizerName[] {
  const names = CONTAINERIZER_NAMES.join(', ');
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`containerizers: must be a non-empty list of ${names} (got ${JSON.stringify(value)})`);
  }
  for (const name of value) {
    if (!CONTAINERIZER_NAMES.includes(name as ContainerizerName)) {
      throw new TypeError(`containerizers: unknown containerizer ${JSON.stringify(name)}; known: ${names}`);
    }
  }
  return [...new Set(value as ContainerizerName[])];
}

function recoverMode(value: unknown): RecoverMode {
  if (!RECOVER_MODES.includes(value as RecoverMode)) {
    throw new TypeError(`recover: must be one of ${RECOVER_MODES.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as RecoverMode;
}

function absolutePath(name: string, value: unknown): string {
  if (typeof value !== 'string' || !path.isAbsolute(value)) throw new TypeError(`${name}: must be an absolute path (got ${JSON.stringify(value)})`);
  return value;
}

/** host:port, or zk://host:port,…/path (the leader named in ZooKeeper). */
function masterAddress(value: unknown): string {
  if (typeof value === 'string' && value.startsWith('zk://')) {
    parseZkUrl(value, 'master'); // a TypeError naming the option and the part that is wrong
    return value;
  }
  return hostPort('master', value);
}

function hostPort(name: string, value: unknown): string {
  const match = typeof value === 'string' ? HOST_PORT.exec(value) : null;
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new TypeError(`${name}: must be host:port with a port in 1-65535 (got ${JSON.stringify(value)})`);
  }
  return value as string;
}

function workDir(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError('workDir: must be a non-empty path');
  return path.resolve(value);
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name}: must be a non-empty string`);
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name}: must be an integer in ${min}-${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function seconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400) {
    throw new TypeError(`${name}: must be a number of seconds in 0-86400 (got ${JSON.stringify(value)})`);
  }
  return value;
}

function backoff(name: string, value: unknown): Backoff {
  const b = value as Partial<Backoff> | null;
  if (typeof b !== 'object' || b === null) throw new TypeError(`${name}: must be { initialMs, maxMs }`);
  const initialMs = integer(`${name}.initialMs`, b.initialMs, 1, 86_400_000);
  const maxMs = integer(`${name}.maxMs`, b.maxMs, 1, 86_400_000);
  if (maxMs < initialMs) throw new TypeError(`${name}.maxMs: must be at least initialMs (${initialMs}), got ${maxMs}`);
  return { initialMs, maxMs };
}
