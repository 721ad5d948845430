// Argument checks shared by the operations. Each takes the path that error
// messages start with, e.g. `decline: offerIds[2]`.

import type { FilterOptions } from '@tessera/allocator/types';
import {
  InvalidArgumentError,
  InvalidIdError,
  UnknownAgentError,
  UnknownFrameworkError,
  UnknownOfferError,
} from '@tessera/allocator/errors';
import type { Cluster } from './cluster.js';
import { isValidId } from './names.js';
import { checkRole } from './roles.js';
import type { AgentState, FrameworkState, OfferState } from './state.js';
import { describe } from './units.js';

export function checkObject(raw: unknown, path: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(`${path}: must be an object (got ${describe(raw)})`);
  }
  return raw as Record<string, unknown>;
}

export function checkBoolean(raw: unknown, path: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'boolean') throw new InvalidArgumentError(`${path}: must be a boolean (got ${describe(raw)})`);
  return raw;
}

export function checkId(raw: unknown, path: string): string {
  if (typeof raw !== 'string') throw new InvalidArgumentError(`${path}: must be a string (got ${describe(raw)})`);
  if (!isValidId(raw)) {
    throw new InvalidIdError(`${path}: must be 1-255 characters of ! to ~ without /, and not . or .. (got ${describe(raw)})`);
  }
  return raw;
}

export function knownFramework(cluster: Cluster, raw: unknown, path: string): FrameworkState {
  if (typeof raw !== 'string') throw new InvalidArgumentError(`${path}: must be a string (got ${describe(raw)})`);
  const framework = cluster.frameworks.get(raw);
  if (framework === undefined) throw new UnknownFrameworkError(`${path}: no framework ${JSON.stringify(raw)}`);
  return framework;
}

export function knownAgent(cluster: Cluster, raw: unknown, path: string): AgentState {
  if (typeof raw !== 'string') throw new InvalidArgumentError(`${path}: must be a string (got ${describe(raw)})`);
  const agent = cluster.agents.get(raw);
  if (agent === undefined) throw new UnknownAgentError(`${path}: no agent ${JSON.stringify(raw)}`);
  return agent;
}

/** Valid role names; a role given twice is tolerated (it is not an id). */
export function checkRoleList(raw: unknown, path: string): string[] {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`${path}: must be an array of role names (got ${describe(raw)})`);
  return raw.map((role: unknown, i) => checkRole(role, `${path}[${i}]`));
}

/**
 * Outstanding offers by id. Ids are checked in the order given: the first id
 * that is unknown, or repeats an earlier one, is the error.
 */
export function knownOffers(cluster: Cluster, raw: unknown, path: string): OfferState[] {
  let ids: unknown[];
  if (typeof raw === 'number') ids = [raw];
  else if (typeof raw === 'object' && raw !== null && typeof (raw as ArrayLike<unknown>).length === 'number') {
    ids = Array.from(raw as ArrayLike<unknown>);
  } else {
    throw new InvalidArgumentError(`${path}: must be an offer id or a list of them (got ${describe(raw)})`);
  }
  const seen = new Set<number>();
  return ids.map((id, i) => {
    if (typeof id !== 'number') throw new InvalidArgumentError(`${path}[${i}]: must be a number (got ${describe(id)})`);
    const offer = cluster.offers.get(id);
    if (offer === undefined) throw new UnknownOfferError(`${path}[${i}]: no outstanding offer ${id}`);
    if (seen.has(id)) throw new InvalidArgumentError(`${path}[${i}]: offer ${id} is given twice`);
    seen.add(id);
    return offer;
  });
}

export function checkNow(raw: unknown, path: string): number {
  if (raw === undefined) return Date.now();
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    throw new InvalidArgumentError(`${path}: must be a finite number of milliseconds (got ${describe(raw)})`);
  }
  return raw;
}

export interface FilterSettings {
  readonly refuseSeconds: number;
  readonly now: number;
}

export function checkFilterOptions(raw: FilterOptions | undefined, path: string, refuseSeconds: number): FilterSettings {
  if (raw === undefined) return { refuseSeconds, now: Date.now() };
  const options = checkObject(raw, path);
  const refuse = options.refuseSeconds;
  if (refuse !== undefined && (typeof refuse !== 'number' || Number.isNaN(refuse) || refuse < 0)) {
    throw new InvalidArgumentError(`${path}.refuseSeconds: must be a number ≥ 0 or Infinity (got ${describe(refuse)})`);
  }
  return { refuseSeconds: refuse ?? refuseSeconds, now: checkNow(options.now, `${path}.now`) };
}

/** When a filter made now for `refuseSeconds` stops applying. */
export function expiry(settings: FilterSettings): number {
  return settings.now + settings.refuseSeconds * 1000;
}
