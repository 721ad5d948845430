// A task's HealthCheck, checked at the boundary and turned into a plan in
// milliseconds. proto3 cannot tell an unset number from 0, so a 0 interval,
// timeout or consecutive_failures (none of which can mean anything) takes
// Mesos's default; a 0 delay or grace period means none.

import { HealthCheck_Type, type HealthCheck } from '@tessera/common';

import { commandProblem } from '../validate.js';

export const DEFAULT_INTERVAL_SECONDS = 10;
export const DEFAULT_TIMEOUT_SECONDS = 20;
export const DEFAULT_CONSECUTIVE_FAILURES = 3;
/** Durations above this are refused: Node timers overflow past ~24.8 days, and a day is already absurd. */
export const MAX_DURATION_SECONDS = 86_400;

export type Probe =
  | {
      type: 'command';
      shell: boolean;
      value: string;
      arguments: string[];
      /** The task's environment as the agent made it. */
      taskEnv: Record<string, string>;
      /** The check's own variables, set on top of the task's. */
      ownEnv: Record<string, string>;
    }
  | { type: 'http'; port: number; path: string }
  | { type: 'tcp'; port: number };

export interface HealthCheckPlan {
  probe: Probe;
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
  consecutiveFailures: number;
  gracePeriodMs: number;
}

/** Why a HealthCheck cannot run, naming the field, or undefined. */
export function healthCheckProblem(field: string, check: HealthCheck): string | undefined {
  for (const name of ['delaySeconds', 'intervalSeconds', 'timeoutSeconds', 'gracePeriodSeconds'] as const) {
    const value = check[name];
    if (!Number.isFinite(value) || value < 0 || value > MAX_DURATION_SECONDS) {
      return `${field}.${snake(name)}: must be between 0 and ${MAX_DURATION_SECONDS} seconds (got ${value})`;
    }
  }
  switch (check.type) {
    case HealthCheck_Type.COMMAND:
      if (check.http || check.tcp) return `${field}: TYPE_COMMAND takes only 'command' (http/tcp are set)`;
      return commandProblem(`${field}.command`, check.command);
    case HealthCheck_Type.HTTP: {
      if (check.command || check.tcp) return `${field}: TYPE_HTTP takes only 'http' (command/tcp are set)`;
      if (!check.http) return `${field}.http: is required for TYPE_HTTP`;
      const portIssue = portProblem(`${field}.http.port`, check.http.port);
      if (portIssue) return portIssue;
      const path = check.http.path;
      if (path !== '' && (!path.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(path))) {
        return `${field}.http.path: must start with '/' and hold no spaces or control characters (got ${JSON.stringify(path)})`;
      }
      return undefined;
    }
    case HealthCheck_Type.TCP:
      if (check.command || check.http) return `${field}: TYPE_TCP takes only 'tcp' (command/http are set)`;
      if (!check.tcp) return `${field}.tcp: is required for TYPE_TCP`;
      return portProblem(`${field}.tcp.port`, check.tcp.port);
    default:
      return `${field}.type: must be TYPE_COMMAND, TYPE_HTTP or TYPE_TCP (got ${check.type})`;
  }
}

/**
 * The plan for a valid HealthCheck (healthCheckProblem said nothing).
 * `taskEnv` is the task's environment: a command check runs with it, its own
 * variables on top.
 */
export function healthCheckPlan(check: HealthCheck, taskEnv: Record<string, string>): HealthCheckPlan {
  return {
    probe: probeOf(check, taskEnv),
    delayMs: check.delaySeconds * 1000,
    intervalMs: (check.intervalSeconds || DEFAULT_INTERVAL_SECONDS) * 1000,
    timeoutMs: (check.timeoutSeconds || DEFAULT_TIMEOUT_SECONDS) * 1000,
    consecutiveFailures: check.consecutiveFailures || DEFAULT_CONSECUTIVE_FAILURES,
    gracePeriodMs: check.gracePeriodSeconds * 1000,
  };
}

function probeOf(check: HealthCheck, taskEnv: Record<string, string>): Probe {
  if (check.type === HealthCheck_Type.HTTP) return { type: 'http', port: check.http!.port, path: check.http!.path || '/' };
  if (check.type === HealthCheck_Type.TCP) return { type: 'tcp', port: check.tcp!.port };
  const command = check.command!;
  const ownEnv: Record<string, string> = {};
  for (const variable of command.environment?.variables ?? []) ownEnv[variable.name] = variable.value;
  return { type: 'command', shell: command.shell, value: command.value, arguments: command.arguments, taskEnv, ownEnv };
}

function portProblem(field: string, port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65_535 ? undefined : `${field}: must be 1-65535 (got ${port})`;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
