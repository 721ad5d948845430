import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  Constraint,
  Constraint_Pseudoattribute,
  OfferConstraints,
  toAllocatorConstraint,
  toAllocatorConstraintGroups,
  toAllocatorConstraints,
} from '../src/index.js';

function failsWith(message: string): (error: unknown) => boolean {
  return (error) => error instanceof TypeError && error.message === message;
}

// eng/ml: (rack exists AND zone = eu-west-1a) OR hostname matches gpu-.*
// batch:  os != windows
const offerConstraints = OfferConstraints.create({
  roleConstraints: {
    'eng/ml': {
      groups: [
        { constraints: [{ attributeName: 'rack', exists: {} }, { attributeName: 'zone', equals: 'eu-west-1a' }] },
        { constraints: [{ pseudoattribute: Constraint_Pseudoattribute.HOSTNAME, matches: 'gpu-.*' }] },
      ],
    },
    batch: { groups: [{ constraints: [{ attributeName: 'os', notEquals: 'windows' }] }] },
  },
});

const expected = {
  'eng/ml': [
    [
      { attribute: 'rack', op: 'exists' },
      { attribute: 'zone', op: 'equals', value: 'eu-west-1a' },
    ],
    [{ hostname: true, op: 'matches', value: 'gpu-.*' }],
  ],
  batch: [[{ attribute: 'os', op: 'notEquals', value: 'windows' }]],
};

test('toAllocatorConstraints: per role, OR of AND groups, hostname as the pseudo-attribute', () => {
  assert.equal(toAllocatorConstraints(offerConstraints), expected);
});

test('binary: offer constraints survive encode/decode and convert the same', () => {
  const decoded = OfferConstraints.decode(OfferConstraints.encode(offerConstraints).finish());
  assert.equal(decoded, offerConstraints);
  assert.equal(toAllocatorConstraints(decoded), expected);
});

test('every predicate maps onto its allocator op', () => {
  const rack = { attributeName: 'rack' };
  const converted = [
    { ...rack, exists: {} },
    { ...rack, notExists: {} },
    { ...rack, equals: 'r1' },
    { ...rack, notEquals: 'r1' },
    { ...rack, matches: 'r[0-9]+' },
    { ...rack, notMatches: 'r[0-9]+' },
  ].map((c) => toAllocatorConstraint(Constraint.create(c)));
  assert.equal(converted, [
    { attribute: 'rack', op: 'exists' },
    { attribute: 'rack', op: 'notExists' },
    { attribute: 'rack', op: 'equals', value: 'r1' },
    { attribute: 'rack', op: 'notEquals', value: 'r1' },
    { attribute: 'rack', op: 'matches', value: 'r[0-9]+' },
    { attribute: 'rack', op: 'notMatches', value: 'r[0-9]+' },
  ]);
});

test('an empty text is a value: equals "" is a predicate', () => {
  const decoded = Constraint.decode(Constraint.encode(Constraint.create({ attributeName: 'os', equals: '' })).finish());
  assert.equal(toAllocatorConstraint(decoded), { attribute: 'os', op: 'equals', value: '' });
});

test('empty groups and no roles convert to empty', () => {
  assert.equal(toAllocatorConstraints(OfferConstraints.create({})), {});
  assert.equal(toAllocatorConstraintGroups([{ constraints: [] }]), [[]]);
});

test('a constraint without selector is an error naming its role, group and index', () => {
  const bad = OfferConstraints.create({
    roleConstraints: { 'eng/ml': { groups: [{ constraints: [{ attributeName: 'rack', exists: {} }, { equals: 'x' }] }] } },
  });
  assert.throws(
    () => toAllocatorConstraints(bad),
    failsWith('offerConstraints.roleConstraints["eng/ml"].groups[0].constraints[1]: has no selector (attributeName or pseudoattribute)'),
  );
});

test('a constraint with two selectors is an error', () => {
  const bad = Constraint.create({ attributeName: 'rack', pseudoattribute: Constraint_Pseudoattribute.HOSTNAME, exists: {} });
  assert.throws(() => toAllocatorConstraint(bad), failsWith('constraint: has more than one selector (attributeName, pseudoattribute)'));
});

test('an UNSPECIFIED or unknown pseudo-attribute is an error', () => {
  const unspecified = Constraint.create({ pseudoattribute: Constraint_Pseudoattribute.UNSPECIFIED, exists: {} });
  assert.throws(() => toAllocatorConstraint(unspecified), failsWith('constraint.pseudoattribute: must be HOSTNAME (got UNSPECIFIED)'));
  // A newer peer's value (say REGION = 2) decodes as a bare number.
  const unknown = Constraint.create({ pseudoattribute: 2 as Constraint_Pseudoattribute, exists: {} });
  assert.throws(() => toAllocatorConstraint(unknown), failsWith('constraint.pseudoattribute: must be HOSTNAME (got 2)'));
});

test('a constraint without predicate is an error', () => {
  const groups = [{ constraints: [] }, { constraints: [Constraint.create({ attributeName: 'rack' })] }];
  assert.throws(() => toAllocatorConstraintGroups(groups, 'request.constraints'), failsWith('request.constraints[1].constraints[0]: has no predicate'));
});

test('a constraint with two predicates is an error listing them', () => {
  const bad = Constraint.create({ attributeName: 'rack', equals: 'r1', matches: 'r.*' });
  assert.throws(() => toAllocatorConstraint(bad), failsWith('constraint: has more than one predicate (equals, matches)'));
});

test.run();
