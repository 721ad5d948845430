// Checks a quota before setQuota stores it (SEMANTICS.md, "Quota"): guarantees
// within the role's own limits, and guarantees nested within the parent's, so
// that the top-level guarantees bound everything guaranteed below them.

import { InvalidQuotaError, InvalidResourceError } from '@tessera/allocator/errors';
import { parseAmounts, withoutZeros } from './amounts.js';
import { checkObject } from './args.js';
import type { Cluster } from './cluster.js';
import { addInto, get } from './quantities.js';
import type { Quantities } from './quantities.js';
import { DEFAULT_ROLE, parentOf } from './roles.js';

export interface QuotaSettings {
  /** Zero guarantees dropped: they guarantee nothing. */
  readonly guarantees: Quantities;
  /** Zero limits kept: a limit of 0 forbids the resource. */
  readonly limits: Quantities;
}

const NO_QUOTA: QuotaSettings = { guarantees: new Map(), limits: new Map() };

export function parseQuota(cluster: Cluster, role: string, raw: unknown, path: string): QuotaSettings {
  if (raw !== null && role === DEFAULT_ROLE) throw new InvalidQuotaError(`${path}: the role * cannot have quota`);
  const quota = raw === null ? NO_QUOTA : parseQuantities(cluster, raw, path);
  for (const [name, guarantee] of quota.guarantees) {
    const limit = quota.limits.get(name);
    if (limit !== undefined && guarantee > limit) {
      throw new InvalidQuotaError(`${path}.guarantees.${name}: ${guarantee / 1000} is above the limit ${limit / 1000}`);
    }
  }
  checkChildren(cluster, role, quota.guarantees, path);
  checkParent(cluster, role, quota.guarantees, path);
  return quota;
}

function parseQuantities(cluster: Cluster, raw: unknown, path: string): QuotaSettings {
  const quota = checkObject(raw, path);
  const guarantees = quota.guarantees === undefined ? new Map() : parseAmounts(quota.guarantees, `${path}.guarantees`);
  const limits = quota.limits === undefined ? new Map() : parseAmounts(quota.limits, `${path}.limits`);
  for (const [field, q] of [['guarantees', guarantees], ['limits', limits]] as const) {
    for (const name of q.keys()) {
      if (cluster.kinds.kindOf(name) === 'ranges') {
        throw new InvalidResourceError(`${path}.${field}.${name}: quota is for scalar resources; ${name} is ranges`);
      }
    }
  }
  return { guarantees: withoutZeros(guarantees), limits };
}

/** The role's children must not be guaranteed more than the role. */
function checkChildren(cluster: Cluster, role: string, guarantees: Quantities, path: string): void {
  const children: Quantities = new Map();
  for (const [name, state] of cluster.roles) {
    if (parentOf(name) === role) addInto(children, state.guarantees);
  }
  for (const [name, sum] of children) {
    if (sum > get(guarantees, name)) {
      throw new InvalidQuotaError(
        `${path}.guarantees.${name}: the children of ${role} are guaranteed ${sum / 1000}, more than ${get(guarantees, name) / 1000}`,
      );
    }
  }
}

/** With the new guarantees, the role and its siblings must fit the parent's. */
function checkParent(cluster: Cluster, role: string, guarantees: Quantities, path: string): void {
  const parent = parentOf(role);
  if (parent === null) return;
  const siblings: Quantities = new Map(guarantees);
  for (const [name, state] of cluster.roles) {
    if (name !== role && parentOf(name) === parent) addInto(siblings, state.guarantees);
  }
  const own = cluster.roles.get(parent)?.guarantees ?? new Map<string, number>();
  for (const [name, sum] of siblings) {
    if (sum > get(own, name)) {
      throw new InvalidQuotaError(
        `${path}.guarantees.${name}: ${parent}'s children would be guaranteed ${sum / 1000}, more than its ${get(own, name) / 1000}`,
      );
    }
  }
}
