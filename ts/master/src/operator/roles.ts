// Roles as the allocator sees them (weights, quota, allocation, DRF share),
// and the operator's calls that set weights and quota. The allocator holds
// and checks both; the master remembers which roles were given any, to list
// them. In memory only for now: a restarted master starts without them.

import { AllocatorError, type Quantities, type RoleView } from '@tessera/allocator';

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';
import { badRequest, bodyObject } from './validate.js';

export interface RoleEntry extends RoleView {
  /** Frameworks (live ones) subscribed to exactly this role. */
  frameworks: string[];
}

export class RoleSettings {
  readonly weights = new Map<string, number>();
  readonly quotaRoles = new Set<string>();
}

/** Turns the allocator's "setWeights: weights.x: …" into "weights.x: …" (the body's field path). */
function allocatorProblem(err: unknown, prefix: RegExp): HttpError {
  if (err instanceof AllocatorError) return new HttpError(400, err.message.replace(prefix, ''));
  throw err;
}

export function setWeights(m: Master, settings: RoleSettings, body: unknown): { weights: Record<string, number> } {
  const b = bodyObject(body, ['weights']);
  const w = b.weights;
  if (w === null || typeof w !== 'object' || Array.isArray(w)) throw badRequest('weights', 'must be an object of role → weight');
  const weights = w as Record<string, unknown>;
  if (Object.keys(weights).length === 0) throw badRequest('weights', 'must name at least one role');
  for (const [role, value] of Object.entries(weights)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw badRequest(`weights.${role}`, `must be a finite number above 0 (got ${JSON.stringify(value)})`);
    }
  }
  try {
    m.allocator.setWeights(weights as Record<string, number>); // all or none: the allocator checks every entry first
  } catch (err) {
    throw allocatorProblem(err, /^setWeights: /);
  }
  for (const [role, value] of Object.entries(weights)) settings.weights.set(role, value as number);
  m.log.info({ weights }, 'role weights set by the operator');
  m.triggerAllocation();
  return { weights: Object.fromEntries(settings.weights) };
}

function quantities(b: Record<string, unknown>, field: string): Quantities | undefined {
  const q = b[field];
  if (q === undefined) return undefined;
  if (q === null || typeof q !== 'object' || Array.isArray(q)) throw badRequest(field, 'must be an object of resource name → amount');
  for (const [name, amount] of Object.entries(q)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw badRequest(`${field}.${name}`, `must be a finite number >= 0 (got ${JSON.stringify(amount)})`);
    }
  }
  return q as Quantities;
}

export function setQuota(m: Master, settings: RoleSettings, body: unknown): RoleEntry {
  const b = bodyObject(body, ['role', 'guarantees', 'limits', 'remove']);
  if (typeof b.role !== 'string' || b.role === '') throw badRequest('role', 'must be a non-empty role name');
  const role = b.role;
  if (b.remove !== undefined && typeof b.remove !== 'boolean') throw badRequest('remove', 'must be true or false');
  const guarantees = quantities(b, 'guarantees');
  const limits = quantities(b, 'limits');
  if (b.remove === true && (guarantees || limits)) throw badRequest('remove', 'cannot be given with guarantees or limits');
  if (b.remove !== true && !guarantees && !limits) throw badRequest('guarantees', 'give guarantees and/or limits, or "remove": true');
  try {
    m.allocator.setQuota(role, b.remove === true ? null : { ...(guarantees ? { guarantees } : {}), ...(limits ? { limits } : {}) });
  } catch (err) {
    // "setQuota: quota.guarantees.cpus: …" or "setQuota: guarantees.cpus: …" → the body's field.
    throw allocatorProblem(err, /^setQuota: (quota\.)?/);
  }
  if (b.remove === true) settings.quotaRoles.delete(role);
  else settings.quotaRoles.add(role);
  m.log.info({ role, guarantees, limits, remove: b.remove === true }, 'role quota set by the operator');
  m.triggerAllocation();
  return roleEntry(m, role, frameworksByRole(m).get(role) ?? []);
}

function frameworksByRole(m: Master): Map<string, string[]> {
  const byRole = new Map<string, string[]>();
  for (const f of m.frameworks.values()) {
    for (const role of f.roles) {
      const list = byRole.get(role) ?? [];
      list.push(f.id);
      byRole.set(role, list);
    }
  }
  return byRole;
}

function roleEntry(m: Master, name: string, frameworks: string[]): RoleEntry {
  return { ...m.allocator.role(name), frameworks };
}

/** Every role a framework subscribes to, that has a weight or quota, or holds resources, with its ancestors; sorted. */
export function roles(m: Master, settings: RoleSettings): { roles: RoleEntry[] } {
  const byRole = frameworksByRole(m);
  const names = new Set<string>([...byRole.keys(), ...settings.weights.keys(), ...settings.quotaRoles]);
  for (const o of m.offers.all()) names.add(o.role);
  for (const a of m.agents.values()) {
    for (const t of a.tasks.values()) if (!t.freed) names.add(t.role);
    for (const e of a.executors.values()) if (!e.freed) names.add(e.role);
  }
  for (const name of [...names]) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join('/'));
  }
  const list = [...names].sort().map((name) => roleEntry(m, name, byRole.get(name) ?? []));
  return { roles: list };
}
