// Checks and converts agent specs and changes, including the resources an agent
// reports already in use when it (re-)registers.

import type { Attributes } from '@tessera/allocator/types';
import { DuplicateAgentError, InsufficientResourcesError, InvalidArgumentError } from '@tessera/allocator/errors';
import { checkBoolean, checkId, checkObject, knownFramework } from './args.js';
import type { Cluster } from './cluster.js';
import type { AttributeValue } from './constraints.js';
import { isValidAttributeText, isValidHostname, isValidResourceName } from './names.js';
import { parseResources } from './parse-resources.js';
import type { KindScope } from './parse-resources.js';
import * as res from './resources.js';
import type { Resources } from './resources.js';
import { checkRole, reservationServes } from './roles.js';
import { canonicalDecimal, describe, fromThousandths, toThousandths } from './units.js';

export interface UsedSpec {
  readonly frameworkId: string;
  readonly role: string;
  readonly resources: Resources;
}

export interface ParsedAgent {
  readonly id: string;
  readonly hostname: string;
  readonly attributes: Map<string, AttributeValue>;
  readonly total: Resources;
  readonly used: readonly UsedSpec[];
  readonly active: boolean;
}

/** `taken` holds the ids of agents added earlier in the same call. */
export function parseAgentSpec(cluster: Cluster, raw: unknown, path: string, kinds: KindScope, taken: ReadonlySet<string>): ParsedAgent {
  const spec = checkObject(raw, path);
  const id = checkId(spec.id, `${path}.id`);
  if (cluster.agents.has(id)) throw new DuplicateAgentError(`${path}.id: agent ${JSON.stringify(id)} already exists`);
  // The same id twice in one batch is the caller's mistake, not a clash with the cluster.
  if (taken.has(id)) throw new InvalidArgumentError(`${path}.id: agent ${JSON.stringify(id)} is given twice`);
  const hostname = spec.hostname === undefined ? id : checkHostname(spec.hostname, `${path}.hostname`);
  const attributes = spec.attributes === undefined ? new Map() : parseAttributes(spec.attributes, `${path}.attributes`);
  if (spec.resources === undefined) throw new InvalidArgumentError(`${path}.resources: is required`);
  const total = parseResources(spec.resources, `${path}.resources`, kinds);
  const used = spec.used === undefined ? [] : parseUsed(cluster, spec.used, `${path}.used`, kinds, total);
  const active = checkBoolean(spec.active, `${path}.active`, true);
  return { id, hostname, attributes, total, used, active };
}

export function checkHostname(raw: unknown, path: string): string {
  if (!isValidHostname(raw)) throw new InvalidArgumentError(`${path}: must be 1-255 characters of printable ASCII (got ${describe(raw)})`);
  return raw;
}

/** Scalar attributes are amounts, compared as their canonical decimal text. */
export function parseAttributes(raw: unknown, path: string): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  for (const [name, value] of Object.entries(checkObject(raw, path) as Attributes)) {
    const at = `${path}.${name}`;
    if (!isValidResourceName(name)) throw new InvalidArgumentError(`${path}: not a valid attribute name: ${JSON.stringify(name)}`);
    if (typeof value === 'string') {
      if (!isValidAttributeText(value)) throw new InvalidArgumentError(`${at}: must be printable text of at most 1024 bytes`);
      out.set(name, { text: value, value });
    } else {
      const t = toThousandths(value, at, (m) => new InvalidArgumentError(m));
      out.set(name, { text: canonicalDecimal(t), value: fromThousandths(t) });
    }
  }
  return out;
}

/**
 * Each entry must be allocatable to its role and all of them together must fit
 * in the total: they are taken from it one after the other, so two entries
 * cannot both claim the same port.
 */
function parseUsed(cluster: Cluster, raw: unknown, path: string, kinds: KindScope, total: Resources): UsedSpec[] {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`${path}: must be an array (got ${describe(raw)})`);
  let left = total;
  return raw.map((entry: unknown, i) => {
    const at = `${path}[${i}]`;
    const used = checkObject(entry, at);
    const frameworkId = knownFramework(cluster, used.frameworkId, `${at}.frameworkId`).id;
    const role = checkRole(used.role, `${at}.role`);
    const resources = parseResources(used.resources, `${at}.resources`, kinds);
    for (const e of resources) {
      if (e.reservation !== null && !reservationServes(e.reservation, role)) {
        throw new InsufficientResourcesError(`${at}.resources: ${e.name} reserved to ${e.reservation} cannot be used by role ${role}`);
      }
    }
    if (!res.contains(left, resources)) {
      throw new InsufficientResourcesError(`${at}.resources: more than the agent's total holds beside the used resources before it`);
    }
    left = res.subtract(left, resources);
    return { frameworkId, role, resources };
  });
}
