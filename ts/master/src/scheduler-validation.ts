// Checks on what schedulers send that do not depend on the master's state
// beyond the framework itself: FrameworkInfo, call headers, filters. Every
// error is INVALID_ARGUMENT (unless noted) and names the field path.

import { AllocatorError, type Capability, type ConstraintGroups } from '@tessera/allocator';
import {
  FrameworkCapability,
  idProblem,
  invalidArgument,
  RpcError,
  toAllocatorCapabilities,
  toAllocatorConstraints,
  type Filters,
  type FrameworkInfo,
} from '@tessera/common';

/** A FrameworkInfo checked and converted for the allocator. */
export interface CheckedFramework {
  roles: string[];
  capabilities: Capability[];
  capabilitySet: Set<FrameworkCapability>;
  offerConstraints: Record<string, ConstraintGroups>;
  failoverTimeoutSeconds: number;
}

// setTimeout's ceiling (~24.8 days); a longer failover timeout waits this long.
export const MAX_TIMER_SECONDS = 2_147_483;

/** Runs a converter, turning its TypeError or AllocatorError into INVALID_ARGUMENT. */
export function invalidOnThrow<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RpcError) throw err;
    if (err instanceof TypeError || err instanceof AllocatorError) throw invalidArgument(`${prefix}${err.message}`);
    throw err;
  }
}

/** Why a role name is malformed (the allocator's rules, checked here to name the field), or undefined. */
export function roleProblem(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.length === 0) return 'must not be empty';
  if (Buffer.byteLength(role) > 255) return 'must be at most 255 bytes';
  if (!/^[\x21-\x7e]+$/.test(role) || role.includes('\\')) return 'must be printable ASCII without spaces or backslashes';
  for (const segment of role.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment === '*') return `has a bad segment '${segment}'`;
    if (segment.startsWith('-')) return `segment '${segment}' must not start with '-'`;
  }
  return undefined;
}

export function checkFrameworkInfo(info: FrameworkInfo | undefined, path = 'framework_info'): CheckedFramework {
  if (!info) throw invalidArgument(`${path}: must be set`);
  if (info.name.trim().length === 0) throw invalidArgument(`${path}.name: must not be empty`);
  if (info.id !== '') {
    const problem = idProblem(info.id);
    if (problem) throw invalidArgument(`${path}.id: ${problem}`);
  }
  const roles = info.roles.length === 0 ? ['*'] : [...info.roles];
  const seen = new Set<string>();
  roles.forEach((role, i) => {
    const problem = roleProblem(role);
    if (problem) throw invalidArgument(`${path}.roles[${i}]: ${problem} (got ${JSON.stringify(role)})`);
    if (seen.has(role)) throw invalidArgument(`${path}.roles[${i}]: duplicate role ${JSON.stringify(role)}`);
    seen.add(role);
  });
  const capabilities = invalidOnThrow(() => toAllocatorCapabilities(info.capabilities, `${path}.capabilities`));
  const capabilitySet = new Set(info.capabilities);
  if (roles.length > 1 && !capabilitySet.has(FrameworkCapability.MULTI_ROLE)) {
    throw invalidArgument(`${path}.roles: subscribing to several roles needs the MULTI_ROLE capability`);
  }
  const t = info.failoverTimeout;
  if (!Number.isFinite(t) || t < 0) {
    throw invalidArgument(`${path}.failover_timeout: must be a finite number of seconds >= 0 (got ${t})`);
  }
  const offerConstraints = info.offerConstraints
    ? invalidOnThrow(() => toAllocatorConstraints(info.offerConstraints!, `${path}.offer_constraints`))
    : {};
  for (const role of Object.keys(offerConstraints)) {
    if (!seen.has(role)) {
      throw invalidArgument(`${path}.offer_constraints.role_constraints[${JSON.stringify(role)}]: not one of the framework's roles`);
    }
  }
  return { roles, capabilities, capabilitySet, offerConstraints, failoverTimeoutSeconds: Math.min(t, MAX_TIMER_SECONDS) };
}

/** The refuse seconds of optional filters, defaulting as configured. */
export function refuseSeconds(filters: Filters | undefined, fallback: number, path = 'filters'): number {
  const v = filters?.refuseSeconds;
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < 0 || v > MAX_TIMER_SECONDS) {
    throw invalidArgument(`${path}.refuse_seconds: must be a number of seconds in [0, ${MAX_TIMER_SECONDS}] (got ${v})`);
  }
  return v;
}

export function checkIdField(path: string, id: string): string {
  const problem = idProblem(id);
  if (problem) throw invalidArgument(`${path}: ${problem}`);
  return id;
}

/** Roles named in revive/suppress: each must be one of the framework's. */
export function checkRoles(roles: readonly string[], frameworkRoles: readonly string[], path = 'roles'): string[] | undefined {
  if (roles.length === 0) return undefined;
  roles.forEach((role, i) => {
    if (!frameworkRoles.includes(role)) {
      throw invalidArgument(`${path}[${i}]: the framework is not subscribed to role ${JSON.stringify(role)}`);
    }
  });
  return [...new Set(roles)];
}
