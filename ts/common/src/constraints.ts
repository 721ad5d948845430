// Offer and placement constraints: wire messages -> the allocator's constraint groups.

import type {
  Constraint as AllocatorConstraint,
  ConstraintGroups as AllocatorConstraintGroups,
  ConstraintOp,
} from '@tessera/allocator/types';

import {
  type Constraint,
  type ConstraintGroup,
  Constraint_Pseudoattribute,
  type OfferConstraints,
} from './gen/tessera/v1/constraints.js';
import { at, isSet, key, malformed, recordOf } from './path.js';

/** Wire offer constraints -> the allocator's per-role constraint groups (FrameworkSpec.offerConstraints). */
export function toAllocatorConstraints(
  constraints: OfferConstraints,
  path = 'offerConstraints',
): Record<string, AllocatorConstraintGroups> {
  const roles = `${path}.roleConstraints`;
  return recordOf(
    Object.entries(constraints.roleConstraints).map(([role, groups]) => [
      role,
      toAllocatorConstraintGroups(groups.groups, `${key(roles, role)}.groups`),
    ]),
  );
}

/** Wire constraint groups -> allocator constraint groups (OR of ANDs), e.g. for a placement request. */
export function toAllocatorConstraintGroups(
  groups: readonly ConstraintGroup[],
  path = 'groups',
): AllocatorConstraintGroups {
  return groups.map((group, g) =>
    group.constraints.map((constraint, c) => toAllocatorConstraint(constraint, `${at(path, g)}.constraints[${c}]`)),
  );
}

// The predicate fields of Constraint, in proto order, with the op each means.
const PREDICATES = [
  ['exists', 'exists'],
  ['notExists', 'notExists'],
  ['equals', 'equals'],
  ['notEquals', 'notEquals'],
  ['matches', 'matches'],
  ['notMatches', 'notMatches'],
] as const satisfies ReadonlyArray<readonly [keyof Constraint, ConstraintOp]>;

/** One wire constraint -> one allocator constraint: exactly one selector and one predicate. */
export function toAllocatorConstraint(constraint: Constraint, path = 'constraint'): AllocatorConstraint {
  const { attributeName, pseudoattribute } = constraint;
  if (isSet(attributeName) && isSet(pseudoattribute)) {
    throw malformed(path, 'has more than one selector (attributeName, pseudoattribute)');
  }
  if (!isSet(attributeName) && !isSet(pseudoattribute)) {
    throw malformed(path, 'has no selector (attributeName or pseudoattribute)');
  }
  if (isSet(pseudoattribute) && pseudoattribute !== Constraint_Pseudoattribute.HOSTNAME) {
    const got = Constraint_Pseudoattribute[pseudoattribute] ?? String(pseudoattribute);
    throw malformed(`${path}.pseudoattribute`, `must be HOSTNAME (got ${got})`);
  }

  const set = PREDICATES.filter(([field]) => isSet(constraint[field]));
  const [only, ...more] = set;
  if (only === undefined) throw malformed(path, 'has no predicate');
  if (more.length > 0) {
    throw malformed(path, `has more than one predicate (${set.map(([field]) => field).join(', ')})`);
  }

  const [field, op] = only;
  const out: AllocatorConstraint = isSet(attributeName) ? { attribute: attributeName, op } : { hostname: true, op };
  const value = constraint[field];
  if (typeof value === 'string') out.value = value;
  return out;
}
