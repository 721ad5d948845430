// Roles as the allocator sees them (weights, quota, allocation, DRF share),
// and the operator's calls that set weights and quota. The allocator holds
// and checks both; the registry keeps them (a restarted or newly elected
// master gives them back to the allocator, recovery.ts); the master remembers
// which roles were given any, to list them.
//
// A change is durable before it takes effect: the allocator checks it (set,
// then put back at once — no allocation cycle runs in between, cycles are
// never run inline), the registry records it, and only then is it applied.
// A registry failure answers 503 and changes nothing.

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

const settingsOf = new WeakMap<Master, RoleSettings>();

/** The role settings of a master (also seeded by recovery with what the registry held). */
export function roleSettings(m: Master): RoleSettings {
  let settings = settingsOf.get(m);
  if (!settings) settingsOf.set(m, (settings = new RoleSettings()));
  return settings;
}

/** What the registry held when this master took over (recovery.ts gave it to the allocator). */
export function rememberRecoveredRoles(m: Master, weights: Record<string, number>, quotaRoles: readonly string[]): void {
  const settings = roleSettings(m);
  for (const [role, weight] of Object.entries(weights)) settings.weights.set(role, weight);
  for (const role of quotaRoles) settings.quotaRoles.add(role);
}

async function durably(m: Master, what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    m.log.error({ err }, `registry: could not record ${what}`);
    throw new HttpError(503, `registry: could not record ${what} (${(err as Error).message}); nothing changed, retry later`);
  }
}

/** Turns the allocator's "setWeights: weights.x: …" into "weights.x: …" (the body's field path). */
function allocatorProblem(err: unknown, prefix: RegExp): HttpError {
  if (err instanceof AllocatorError) return new HttpError(400, err.message.replace(prefix, ''));
  throw err;
}

export async function setWeights(m: Master, settings: RoleSettings, body: unknown): Promise<{ weights: Record<string, number> }> {
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
  const wanted = weights as Record<string, number>;
  const previous: Record<string, number> = {};
  try {
    for (const role of Object.keys(wanted)) previous[role] = m.allocator.role(role).weight;
  } catch {
    // A malformed role name: setWeights below refuses it, naming the field.
  }
  try {
    m.allocator.setWeights(wanted); // all or none: the allocator checks every entry first
  } catch (err) {
    throw allocatorProblem(err, /^setWeights: /);
  }
  m.allocator.setWeights(previous); // checked; applied once durable
  await durably(m, 'the weights', () => Promise.all(Object.entries(wanted).map(([role, w]) => m.registry.setWeight(role, w))));
  m.allocator.setWeights(wanted);
  for (const [role, value] of Object.entries(wanted)) settings.weights.set(role, value);
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

export async function setQuota(m: Master, settings: RoleSettings, body: unknown): Promise<RoleEntry> {
  const b = bodyObject(body, ['role', 'guarantees', 'limits', 'remove']);
  if (typeof b.role !== 'string' || b.role === '') throw badRequest('role', 'must be a non-empty role name');
  const role = b.role;
  if (b.remove !== undefined && typeof b.remove !== 'boolean') throw badRequest('remove', 'must be true or false');
  const guarantees = quantities(b, 'guarantees');
  const limits = quantities(b, 'limits');
  if (b.remove === true && (guarantees || limits)) throw badRequest('remove', 'cannot be given with guarantees or limits');
  if (b.remove !== true && !guarantees && !limits) throw badRequest('guarantees', 'give guarantees and/or limits, or "remove": true');
  const quota = b.remove === true ? null : { ...(guarantees ? { guarantees } : {}), ...(limits ? { limits } : {}) };
  let previous: { guarantees: Quantities; limits: Quantities } | null = null;
  try {
    const before = m.allocator.role(role); // throws for a malformed name: setQuota below says why
    if (Object.keys(before.guarantees).length + Object.keys(before.limits).length > 0) previous = { guarantees: before.guarantees, limits: before.limits };
  } catch {
    // named by setQuota
  }
  try {
    m.allocator.setQuota(role, quota);
  } catch (err) {
    // "setQuota: quota.guarantees.cpus: …" or "setQuota: guarantees.cpus: …" → the body's field.
    throw allocatorProblem(err, /^setQuota: (quota\.)?/);
  }
  m.allocator.setQuota(role, previous); // checked; applied once durable
  await durably(m, 'the quota', () => m.registry.setQuota(role, quota));
  m.allocator.setQuota(role, quota);
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
