// Checks and converts place() requests.

import type { PlacementRequest } from '@tessera/allocator/types';
import { InvalidArgumentError } from '@tessera/allocator/errors';
import { parseAmounts, withoutZeros } from './amounts.js';
import { compileGroups } from './constraints.js';
import type { CompiledGroups } from './constraints.js';
import type { Quantities } from './quantities.js';
import { DEFAULT_ROLE, checkRole } from './roles.js';
import { describe } from './units.js';

export interface TaskRequest {
  /** Per task, in thousandths (for ranges names: values × 1000); zero amounts dropped. */
  readonly resources: Quantities;
  readonly count: number;
  readonly role: string;
  readonly constraints: CompiledGroups;
  /** Infinity when not given. */
  readonly maxPerAgent: number;
  readonly gpuAware: boolean;
}

export function parseRequests(raw: unknown, path: string): TaskRequest[] {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`${path}: must be an array (got ${describe(raw)})`);
  return raw.map((r: unknown, i) => parseRequest(r, `${path}[${i}]`));
}

function parseRequest(raw: unknown, path: string): TaskRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(`${path}: must be a request object (got ${describe(raw)})`);
  }
  const r = raw as PlacementRequest;
  return {
    // A zero amount asks for nothing, so it cannot be the dominant resource either.
    resources: withoutZeros(parseAmounts(r.resources, `${path}.resources`)),
    count: countOf(r.count, `${path}.count`),
    role: r.role === undefined ? DEFAULT_ROLE : checkRole(r.role, `${path}.role`),
    constraints: r.constraints === undefined ? [] : compileGroups(r.constraints, `${path}.constraints`),
    maxPerAgent: r.maxPerAgent === undefined ? Infinity : countOf(r.maxPerAgent, `${path}.maxPerAgent`),
    gpuAware: booleanOf(r.gpuAware, `${path}.gpuAware`),
  };
}

function countOf(raw: unknown, path: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw new InvalidArgumentError(`${path}: must be a whole number ≥ 0 (got ${describe(raw)})`);
  }
  return raw;
}

function booleanOf(raw: unknown, path: string): boolean {
  if (raw === undefined) return false;
  if (typeof raw !== 'boolean') throw new InvalidArgumentError(`${path}: must be a boolean (got ${describe(raw)})`);
  return raw;
}
