// MasterOptions: what a caller (the CLI, `tessera dev`, tests) may set, and the
// checks that turn a bad value into a TypeError naming the option before any
// socket is opened.

import { hostname } from 'node:os';

import type { Metadata } from '@grpc/grpc-js';
import { parseZkUrl, type ZkUrl } from '@tessera/ha';
import type { Logger } from '@tessera/common';

import type { Registry } from './registry/registry.js';
import { parseRemovalRate, type RemovalRate } from './removal-limiter.js';

/** The auth seam: called before every scheduler call; throwing an RpcError rejects it. */
export type CallGuard = (call: {
  method: string;
  frameworkId?: string;
  principal?: string;
  metadata: Metadata;
}) => void | Promise<void>;

export interface MasterOptions {
  /** Interface to bind both servers to; default '127.0.0.1'. */
  host?: string;
  /** gRPC port (SchedulerService + AgentService); default 5050, 0 = ephemeral. */
  port?: number;
  /** HTTP port (/state, /health); default 5040 (not 5060: browsers and fetch refuse that SIP port), 0 = ephemeral. */
  httpPort?: number;
  /** Directory of the file registry (registry.json). */
  workDir: string;
  logger?: Logger;
  /** Default 15. */
  agentPingIntervalSeconds?: number;
  /** Consecutive unanswered pings before an agent is unreachable; default 5. */
  maxAgentPingTimeouts?: number;
  /** Default 15. */
  frameworkHeartbeatSeconds?: number;
  /** Rescind offers not answered within this; default: never. */
  offerTimeoutSeconds?: number;
  /** Coalescing window of allocation triggers; default 5 ms. */
  allocationDelayMs?: number;
  /** Filter of a decline or accept without filters; default 5. */
  defaultRefuseSeconds?: number;
  /** After a restart, how long agents in the registry have to re-register before they count as unreachable; default 600. */
  agentReregisterTimeoutSeconds?: number;
  placement?: 'binpack' | 'spread';
  registry?: Registry;
  callGuard?: CallGuard;
  /** zk://host:port,…/path: elect the leader among masters through ZooKeeper, registry in ZooKeeper. Default: standalone. */
  zk?: string;
  /** ZooKeeper session timeout asked for (the servers may clamp it); default 10. A leader cut off for ~this long steps down. */
  zkSessionTimeoutSeconds?: number;
  /** The host others reach this master at (in its MasterInfo); default: `host`, or the hostname when `host` is a wildcard. */
  advertiseHost?: string;
  /**
   * How long an agent may stay unreachable before it is gone for good: removed
   * from the registry, its partition-aware tasks TASK_GONE, and refused (its
   * tasks killed) if it comes back. Default 1,209,600 (14 days, Mesos'
   * registry_max_agent_age).
   */
  agentUnreachableTimeoutSeconds?: number;
  /** At most this many agents marked unreachable per duration, as Mesos' --agent_removal_rate_limit ("100/1mins"); default unlimited. */
  agentRemovalRateLimit?: string;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  httpPort: number;
  workDir: string;
  logger?: Logger;
  agentPingIntervalSeconds: number;
  maxAgentPingTimeouts: number;
  frameworkHeartbeatSeconds: number;
  offerTimeoutSeconds?: number;
  allocationDelayMs: number;
  defaultRefuseSeconds: number;
  agentReregisterTimeoutSeconds: number;
  placement: 'binpack' | 'spread';
  registry?: Registry;
  callGuard?: CallGuard;
  zk?: ZkUrl;
  zkSessionTimeoutSeconds: number;
  advertiseHost: string;
  agentUnreachableTimeoutSeconds: number;
  agentRemovalRateLimit?: RemovalRate;
}

// A day: longer timers are a typo, and setTimeout overflows past 2^31 ms anyway.
const MAX_SECONDS = 86_400;

function positiveSeconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_SECONDS) {
    throw new TypeError(`${name}: must be a number of seconds in (0, ${MAX_SECONDS}] (got ${String(value)})`);
  }
  return value;
}

function port(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new TypeError(`${name}: must be an integer port in [0, 65535] (got ${String(value)})`);
  }
  return value;
}

function advertiseHost(value: unknown, host: string): string {
  if (value === undefined) return host === '0.0.0.0' || host === '::' ? hostname() : host;
  if (typeof value !== 'string' || value.length === 0 || /[\s/]/.test(value)) {
    throw new TypeError(`advertiseHost: must be a host name or address others can reach (got ${String(value)})`);
  }
  return value;
}

// Mesos' registry_max_agent_age default: two weeks. Going gone cannot be
// undone (the agent's tasks are killed if it returns), so only agents away for
// far longer than any partition or repair should reach it.
const DEFAULT_UNREACHABLE_TIMEOUT_SECONDS = 14 * 86_400;
const MAX_UNREACHABLE_TIMEOUT_SECONDS = 365 * 86_400;

function unreachableTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_UNREACHABLE_TIMEOUT_SECONDS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_UNREACHABLE_TIMEOUT_SECONDS) {
    throw new TypeError(`agentUnreachableTimeoutSeconds: must be a number of seconds in (0, ${MAX_UNREACHABLE_TIMEOUT_SECONDS}] (got ${String(value)})`);
  }
  return value;
}

/** Checks every option and fills in the defaults. */
export function resolveOptions(options: MasterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options: must be an object');
  const { host = '127.0.0.1', workDir } = options;
  if (typeof host !== 'string' || host.length === 0 || /[\s/]/.test(host)) {
    throw new TypeError(`host: must be an interface address such as 127.0.0.1 or 0.0.0.0 (got ${String(host)})`);
  }
  if (typeof workDir !== 'string' || workDir.length === 0) {
    throw new TypeError('workDir: must be a directory path (the registry lives there)');
  }
  const maxAgentPingTimeouts = options.maxAgentPingTimeouts ?? 5;
  if (!Number.isInteger(maxAgentPingTimeouts) || maxAgentPingTimeouts < 1 || maxAgentPingTimeouts > 1000) {
    throw new TypeError(`maxAgentPingTimeouts: must be an integer in [1, 1000] (got ${String(maxAgentPingTimeouts)})`);
  }
  const allocationDelayMs = options.allocationDelayMs ?? 5;
  if (typeof allocationDelayMs !== 'number' || !Number.isFinite(allocationDelayMs) || allocationDelayMs < 0 || allocationDelayMs > 10_000) {
    throw new TypeError(`allocationDelayMs: must be a number of milliseconds in [0, 10000] (got ${String(allocationDelayMs)})`);
  }
  const defaultRefuseSeconds = options.defaultRefuseSeconds ?? 5;
  if (typeof defaultRefuseSeconds !== 'number' || !Number.isFinite(defaultRefuseSeconds) || defaultRefuseSeconds < 0 || defaultRefuseSeconds > MAX_SECONDS) {
    throw new TypeError(`defaultRefuseSeconds: must be a number of seconds in [0, ${MAX_SECONDS}] (got ${String(defaultRefuseSeconds)})`);
  }
  const placement = options.placement ?? 'binpack';
  if (placement !== 'binpack' && placement !== 'spread') {
    throw new TypeError(`placement: must be 'binpack' or 'spread' (got ${String(placement)})`);
  }
  if (options.callGuard !== undefined && typeof options.callGuard !== 'function') {
    throw new TypeError('callGuard: must be a function');
  }
  const resolved: ResolvedOptions = {
    host,
    port: port('port', options.port, 5050),
    httpPort: port('httpPort', options.httpPort, 5040),
    workDir,
    agentPingIntervalSeconds: positiveSeconds('agentPingIntervalSeconds', options.agentPingIntervalSeconds, 15),
    maxAgentPingTimeouts,
    frameworkHeartbeatSeconds: positiveSeconds('frameworkHeartbeatSeconds', options.frameworkHeartbeatSeconds, 15),
    allocationDelayMs,
    defaultRefuseSeconds,
    agentReregisterTimeoutSeconds: positiveSeconds('agentReregisterTimeoutSeconds', options.agentReregisterTimeoutSeconds, 600),
    placement,
    zkSessionTimeoutSeconds: positiveSeconds('zkSessionTimeoutSeconds', options.zkSessionTimeoutSeconds, 10),
    advertiseHost: advertiseHost(options.advertiseHost, host),
    agentUnreachableTimeoutSeconds: unreachableTimeout(options.agentUnreachableTimeoutSeconds),
  };
  if (options.offerTimeoutSeconds !== undefined) {
    resolved.offerTimeoutSeconds = positiveSeconds('offerTimeoutSeconds', options.offerTimeoutSeconds, 0);
  }
  if (options.logger !== undefined) resolved.logger = options.logger;
  if (options.registry !== undefined) resolved.registry = options.registry;
  if (options.callGuard !== undefined) resolved.callGuard = options.callGuard;
  if (options.zk !== undefined) {
    if (typeof options.zk !== 'string') throw new TypeError('zk: must be a zk://host:port,…/path URL');
    resolved.zk = parseZkUrl(options.zk); // its TypeError starts with "--zk:"
    if (options.registry !== undefined) throw new TypeError('registry: cannot be given with zk (the registry is kept in ZooKeeper)');
  }
  if (options.agentRemovalRateLimit !== undefined) {
    resolved.agentRemovalRateLimit = parseRemovalRate('agentRemovalRateLimit', options.agentRemovalRateLimit);
  }
  return resolved;
}
