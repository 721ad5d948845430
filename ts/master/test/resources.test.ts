// ResourceBag: the arithmetic accept validation uses to name the task that does
// not fit. Amounts are thousandths, as in the allocator.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ResourceBag, resourceProblem, sumResources } from '../src/resources.js';

test('take: scalars in thousandths, ranges split, reservations kept apart', () => {
  const bag = ResourceBag.of([
    { name: 'cpus', scalar: 0.3 },
    { name: 'cpus', scalar: 2, reservation: 'ml' },
    { name: 'ports', ranges: [[31000, 31009]] },
  ]);
  // 0.1 + 0.2 = 0.3 exactly in thousandths (300 = 100 + 200)
  assert.is(bag.take([{ name: 'cpus', scalar: 0.1 }, { name: 'cpus', scalar: 0.2 }]), undefined);
  assert.is(bag.take([{ name: 'ports', ranges: [[31003, 31004]] }]), undefined);
  assert.equal(bag.toResources(), [
    { name: 'cpus', scalar: 2, reservation: 'ml' },
    { name: 'ports', ranges: [[31000, 31002], [31005, 31009]] },
  ]);
});

test('take: what does not fit is described and nothing is taken', () => {
  const bag = ResourceBag.of([{ name: 'cpus', scalar: 1 }, { name: 'mem', scalar: 100 }]);
  const problem = bag.take([{ name: 'mem', scalar: 50 }, { name: 'cpus', scalar: 2 }]);
  assert.is(problem, 'cpus: needs 2 but only 1 remains in the offers');
  // mem was not taken either: the bag is as before.
  assert.equal(bag.toResources(), [{ name: 'cpus', scalar: 1 }, { name: 'mem', scalar: 100 }]);
  assert.match(bag.take([{ name: 'cpus', scalar: 1, reservation: 'ml' }]) ?? '', /^cpus\(ml\): needs 1 but only 0/);
  assert.match(bag.take([{ name: 'ports', ranges: [[1, 2]] }]) ?? '', /^ports: \[\[1,2\]\] not within/);
});

test('resourceProblem: the malformed amounts the master refuses before the allocator sees them', () => {
  assert.is(resourceProblem({ name: 'cpus', scalar: 1.5 }), undefined);
  assert.match(resourceProblem({ name: 'cpus', scalar: -1 }) ?? '', /^scalar: must be a finite number >= 0/);
  assert.match(resourceProblem({ name: 'cpus', scalar: Infinity }) ?? '', /^scalar:/);
  assert.match(resourceProblem({ name: 'cpus', scalar: 0.0005 }) ?? '', /3 decimal digits/);
  assert.match(resourceProblem({ name: 'gpus', scalar: 1.5 }) ?? '', /whole/);
  assert.match(resourceProblem({ name: 'bad name', scalar: 1 }) ?? '', /^name:/);
  assert.match(resourceProblem({ name: 'ports', scalar: 1 }) ?? '', /must be ranges/);
  assert.match(resourceProblem({ name: 'mem', ranges: [[1, 2]] }) ?? '', /must be a scalar/);
  assert.match(resourceProblem({ name: 'ports', ranges: [[5, 2]] }) ?? '', /^ranges\[0\]/);
});

test('sumResources merges by name and reservation', () => {
  assert.equal(sumResources([[{ name: 'mem', scalar: 1 }], [{ name: 'mem', scalar: 2 }, { name: 'cpus', scalar: 1 }]]), [
    { name: 'cpus', scalar: 1 },
    { name: 'mem', scalar: 3 },
  ]);
});

test.run();
