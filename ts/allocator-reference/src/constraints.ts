// Offer and placement constraints on agent attributes and hostnames: AND inside
// a group, OR between groups. Regexes must match the whole text.

import type { Constraint, ConstraintGroups, ConstraintOp } from '@tessera/allocator/types';
import { InvalidConstraintError } from '@tessera/allocator/errors';
import { isValidResourceName } from './names.js';
import { describe } from './units.js';

/** An agent attribute: the text constraints compare, and the value views return. */
export interface AttributeValue {
  readonly text: string;
  readonly value: string | number;
}

/** What constraints look at on an agent. */
export interface ConstrainedAgent {
  readonly hostname: string;
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

interface CompiledConstraint {
  /** The attribute name, or null for the hostname. */
  readonly attribute: string | null;
  readonly op: ConstraintOp;
  readonly value: string;
  readonly regex: RegExp | null;
}

export type CompiledGroups = readonly (readonly CompiledConstraint[])[];

const OPS: ReadonlySet<string> = new Set(['exists', 'notExists', 'equals', 'notEquals', 'matches', 'notMatches']);

export function compileGroups(raw: unknown, path: string): CompiledGroups {
  if (!Array.isArray(raw)) throw new InvalidConstraintError(`${path}: must be an array of constraint groups`);
  return raw.map((group: unknown, g) => {
    if (!Array.isArray(group)) throw new InvalidConstraintError(`${path}[${g}]: must be an array of constraints`);
    return group.map((c: unknown, i) => compileConstraint(c, `${path}[${g}][${i}]`));
  });
}

function compileConstraint(raw: unknown, path: string): CompiledConstraint {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidConstraintError(`${path}: must be a constraint object (got ${describe(raw)})`);
  }
  const c = raw as Constraint;
  if (c.hostname !== undefined && typeof c.hostname !== 'boolean') {
    throw new InvalidConstraintError(`${path}.hostname: must be true when given`);
  }
  const onHostname = c.hostname === true;
  if (onHostname === (c.attribute !== undefined)) {
    throw new InvalidConstraintError(`${path}: must name exactly one of attribute and hostname`);
  }
  if (!onHostname && !isValidResourceName(c.attribute)) {
    throw new InvalidConstraintError(`${path}.attribute: not a valid attribute name (got ${describe(c.attribute)})`);
  }
  if (typeof c.op !== 'string' || !OPS.has(c.op)) throw new InvalidConstraintError(`${path}.op: unknown op ${describe(c.op)}`);
  const needsValue = c.op !== 'exists' && c.op !== 'notExists';
  if (needsValue && typeof c.value !== 'string') {
    throw new InvalidConstraintError(`${path}.value: ${c.op} needs a string value`);
  }
  const value = needsValue ? (c.value as string) : '';
  return {
    attribute: onHostname ? null : (c.attribute as string),
    op: c.op,
    value,
    regex: c.op === 'matches' || c.op === 'notMatches' ? compileRegex(value, `${path}.value`) : null,
  };
}

function compileRegex(pattern: string, path: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (err) {
    throw new InvalidConstraintError(`${path}: not a valid regex: ${(err as Error).message}`);
  }
}

/** An empty list of groups is satisfied by every agent. */
export function satisfies(agent: ConstrainedAgent, groups: CompiledGroups): boolean {
  if (groups.length === 0) return true;
  return groups.some((group) => group.every((c) => holds(agent, c)));
}

function holds(agent: ConstrainedAgent, c: CompiledConstraint): boolean {
  const text = c.attribute === null ? agent.hostname : agent.attributes.get(c.attribute)?.text;
  switch (c.op) {
    case 'exists':
      return text !== undefined;
    case 'notExists':
      return text === undefined;
    case 'equals':
      return text !== undefined && text === c.value;
    case 'notEquals':
      return text === undefined || text !== c.value;
    case 'matches':
      return text !== undefined && c.regex!.test(text);
    case 'notMatches':
      return text === undefined || !c.regex!.test(text);
  }
}
