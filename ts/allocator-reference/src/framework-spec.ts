// Checks and converts framework specs and changes. Only the fields given are
// returned, because updateFramework replaces exactly what it is given.

import type { Capability } from '@tessera/allocator/types';
import { InvalidArgumentError } from '@tessera/allocator/errors';
import { parseAmounts } from './amounts.js';
import { checkObject, checkRoleList } from './args.js';
import { compileGroups } from './constraints.js';
import type { CompiledGroups } from './constraints.js';
import { checkRole } from './roles.js';
import type { MinAllocatable } from './state.js';
import { describe } from './units.js';

const CAPABILITIES: ReadonlySet<string> = new Set<Capability>([
  'GPU_RESOURCES',
  'REVOCABLE_RESOURCES',
  'MULTI_ROLE',
  'PARTITION_AWARE',
  'SHARED_RESOURCES',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
  'TASK_KILLING_STATE',
]);

export interface FrameworkFields {
  roles?: Set<string>;
  capabilities?: Set<Capability>;
  suppressedRoles?: Set<string>;
  minAllocatable?: Map<string, MinAllocatable>;
  offerConstraints?: Map<string, CompiledGroups>;
}

export function parseFrameworkFields(raw: Record<string, unknown>, path: string): FrameworkFields {
  const fields: FrameworkFields = {};
  if (raw.roles !== undefined) fields.roles = distinctRoles(raw.roles, `${path}.roles`);
  if (raw.capabilities !== undefined) fields.capabilities = capabilities(raw.capabilities, `${path}.capabilities`);
  if (raw.suppressedRoles !== undefined) {
    fields.suppressedRoles = new Set(checkRoleList(raw.suppressedRoles, `${path}.suppressedRoles`));
  }
  if (raw.minAllocatable !== undefined) {
    fields.minAllocatable = byRole(raw.minAllocatable, `${path}.minAllocatable`, parseMinAllocatable);
  }
  if (raw.offerConstraints !== undefined) {
    fields.offerConstraints = byRole(raw.offerConstraints, `${path}.offerConstraints`, compileGroups);
  }
  return fields;
}

/** A framework's roles are a set: naming one twice is a caller's mistake. */
function distinctRoles(raw: unknown, path: string): Set<string> {
  const roles = checkRoleList(raw, path);
  const set = new Set<string>();
  roles.forEach((role, i) => {
    if (set.has(role)) throw new InvalidArgumentError(`${path}[${i}]: role ${JSON.stringify(role)} is given twice`);
    set.add(role);
  });
  return set;
}

function capabilities(raw: unknown, path: string): Set<Capability> {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`${path}: must be an array (got ${describe(raw)})`);
  raw.forEach((c: unknown, i) => {
    if (typeof c !== 'string' || !CAPABILITIES.has(c)) {
      throw new InvalidArgumentError(`${path}[${i}]: unknown capability ${describe(c)}`);
    }
  });
  return new Set(raw as Capability[]);
}

function byRole<T>(raw: unknown, path: string, parse: (value: unknown, path: string) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const [role, value] of Object.entries(checkObject(raw, path))) {
    out.set(checkRole(role, `${path}[${JSON.stringify(role)}]`), parse(value, `${path}[${JSON.stringify(role)}]`));
  }
  return out;
}

/** Alternatives of amounts; also the allocator's own default. */
export function parseMinAllocatable(raw: unknown, path: string): MinAllocatable {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`${path}: must be an array of quantities (got ${describe(raw)})`);
  return raw.map((q: unknown, i) => parseAmounts(q, `${path}[${i}]`));
}

/** suppressed ⊆ roles. */
export function checkSuppressedSubscribed(suppressed: ReadonlySet<string>, roles: ReadonlySet<string>, path: string): void {
  for (const role of suppressed) {
    if (!roles.has(role)) throw new InvalidArgumentError(`${path}: ${JSON.stringify(role)} is not a subscribed role`);
  }
}
