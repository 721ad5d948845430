import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResourceKinds, parseResources } from '../src/parse-resources.js';
import * as ranges from '../src/ranges.js';
import * as res from '../src/resources.js';
import { canonicalDecimal, toThousandths } from '../src/units.js';
import { cpus, mem, ports, revocable, throwsCode } from '../../../test/allocator/conformance/builders.js';

const parse = (list: unknown) => parseResources(list, 'test', new ResourceKinds().scope());

test('scalars are exact thousandths', () => {
  assert.is(toThousandths(0.1, 'x'), 100);
  assert.is(toThousandths(0.0005, 'x'), 1); // rounds half up to the smallest amount
  assert.is(toThousandths(0, 'x'), 0);
  assert.ok(Object.is(toThousandths(-0, 'x'), 0), '-0 becomes +0');
  throwsCode(() => toThousandths(0.0004, 'x'), 'ERR_INVALID_RESOURCE'); // positive but rounds to zero
  throwsCode(() => toThousandths(-1, 'x'), 'ERR_INVALID_RESOURCE');
  throwsCode(() => toThousandths(NaN, 'x'), 'ERR_INVALID_RESOURCE');
  throwsCode(() => toThousandths(Infinity, 'x'), 'ERR_INVALID_RESOURCE');
  throwsCode(() => toThousandths(5e-324, 'x'), 'ERR_INVALID_RESOURCE'); // subnormal
  throwsCode(() => toThousandths(9007199254741, 'x'), 'ERR_INVALID_RESOURCE'); // above 2^53 − 1 thousandths
  // The spec's bound, 9,007,199,254,740.991, is no double: the nearest one times 1000 rounds to …990.
  assert.is(toThousandths(9007199254740.991, 'x'), Number.MAX_SAFE_INTEGER - 1);
});

test('canonical decimals drop trailing zeros', () => {
  assert.is(canonicalDecimal(3000), '3');
  assert.is(canonicalDecimal(2500), '2.5');
  assert.is(canonicalDecimal(125), '0.125');
  assert.is(canonicalDecimal(10), '0.01');
  assert.is(canonicalDecimal(0), '0');
});

test('identical resources merge and come out in canonical order', () => {
  const list = parse([
    mem(512),
    cpus(1, 'eng'),
    cpus(0.1),
    revocable(cpus(2)),
    cpus(1, 'a'),
    cpus(0.2),
    { name: 'cpus', scalar: 0 },
    { name: 'disk', scalar: 1, reservation: '*' }, // `*` is unreserved
  ]);
  assert.equal(res.toApi(list), [
    { name: 'cpus', scalar: 0.3 }, // 100 + 200 thousandths, not 0.30000000000000004
    { name: 'cpus', scalar: 2, revocable: true },
    { name: 'cpus', scalar: 1, reservation: 'a' },
    { name: 'cpus', scalar: 1, reservation: 'eng' },
    { name: 'disk', scalar: 1 },
    { name: 'mem', scalar: 512 },
  ]);
});

test('ranges merge adjacent intervals and refuse overlaps', () => {
  assert.equal(res.toApi(parse([ports([10, 12], [1, 3], [4, 5])])), [{ name: 'ports', ranges: [[1, 5], [10, 12]] }]);
  throwsCode(() => parse([ports([1, 5], [5, 6])]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([ports([1, 5]), ports([3, 4])]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([ports([5, 1])]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([ports([-1, 1])]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([ports([1.5, 2])]), 'ERR_INVALID_RESOURCE');
  assert.equal(res.toApi(parse([ports([1, 5]), ports([6, 6])])), [{ name: 'ports', ranges: [[1, 6]] }]);
  assert.equal(res.toApi(parse([ports()])), [], 'an empty range set vanishes');
});

test('range set arithmetic', () => {
  assert.equal(ranges.difference([[1, 10], [20, 30]], [[3, 4], [10, 21], [30, 30]]), [[1, 2], [5, 9], [22, 29]]);
  assert.equal(ranges.union([[1, 2], [8, 9]], [[3, 5]]), [[1, 5], [8, 9]]);
  assert.ok(ranges.contains([[1, 10], [20, 30]], [[2, 3], [20, 30]]));
  assert.not.ok(ranges.contains([[1, 10], [20, 30]], [[9, 20]]));
  assert.is(ranges.count([[1, 10], [20, 30]]), 21);
});

test('containment and subtraction respect identity', () => {
  const total = parse([cpus(4), cpus(2, 'eng'), mem(1024), ports([31000, 31010])]);
  assert.ok(res.contains(total, parse([cpus(4), cpus(1, 'eng'), ports([31005, 31006])])));
  assert.not.ok(res.contains(total, parse([cpus(3, 'eng')])), 'only 2 cpus are reserved to eng');
  assert.not.ok(res.contains(total, parse([cpus(1, 'ops')])), 'no cpus are reserved to ops');
  assert.not.ok(res.contains(total, parse([revocable(cpus(1))])), 'revocable cpus are another resource');
  const rest = res.subtract(total, parse([cpus(4), ports([31003, 31004])]));
  assert.equal(res.toApi(rest), [
    { name: 'cpus', scalar: 2, reservation: 'eng' },
    { name: 'mem', scalar: 1024 },
    { name: 'ports', ranges: [[31000, 31002], [31005, 31010]] },
  ]);
});

test('quantity sums every reservation; ranges count values', () => {
  const x = parse([cpus(1.5), cpus(2, 'eng'), revocable(cpus(0.5)), ports([1, 10], [20, 29])]);
  assert.is(res.quantity(x, 'cpus'), 4000); // 1.5 + 2 + 0.5, in thousandths
  assert.is(res.quantity(x, 'ports'), 20_000); // 20 values
  assert.equal([...res.unreservedNonRevocableScalars(x)], [['cpus', 1500]]);
});

test('allocatable to a role: unreserved, its own and its ancestors\' reservations', () => {
  const x = parse([cpus(1), cpus(1, 'eng'), cpus(1, 'eng/ml'), cpus(1, 'engine'), cpus(1, 'ops')]);
  const names = (role: string) => res.allocatableTo(x, role).map((e) => e.reservation);
  assert.equal(names('eng/ml/train'), [null, 'eng', 'eng/ml']);
  assert.equal(names('eng'), [null, 'eng']); // not `engine`: a reservation serves a subtree, not a prefix
  assert.equal(names('*'), [null]);
});

test('kinds are learned on first use and kept', () => {
  const kinds = new ResourceKinds();
  throwsCode(() => parseResources([{ name: 'cpus', ranges: [[1, 2]] }], 'x', kinds.scope()), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parseResources([{ name: 'ports', scalar: 1 }], 'x', kinds.scope()), 'ERR_INVALID_RESOURCE');
  const scope = kinds.scope();
  parseResources([{ name: 'licenses', scalar: 3 }], 'x', scope);
  scope.commit();
  throwsCode(() => parseResources([{ name: 'licenses', ranges: [[1, 2]] }], 'x', kinds.scope()), 'ERR_INVALID_RESOURCE');
  throwsCode(
    () => parseResources([{ name: 'slots', scalar: 1 }, { name: 'slots', ranges: [[1, 2]] }], 'x', kinds.scope()),
    'ERR_INVALID_RESOURCE',
  );
});

test('malformed resources', () => {
  throwsCode(() => parse([{ name: 'cpus', scalar: 1, reservation: 'eng', revocable: true }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([{ name: 'cpus' }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([{ name: 'cpus', scalar: 1, ranges: [] }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([{ name: 'c p u s', scalar: 1 }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([{ name: 'gpus', scalar: 1.5 }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse([{ name: 'cpus', scalar: 1, reservation: 'eng//ml' }]), 'ERR_INVALID_ROLE');
  throwsCode(() => parse('cpus:4;mem:lots'), 'ERR_INVALID_RESOURCE');
  throwsCode(() => parse('cpus'), 'ERR_INVALID_RESOURCE');
});

test('the text form reads as the same resources as objects', () => {
  assert.equal(
    parse('cpus:4; mem:1024;ports:[31000-31009,31020-31020];cpus(eng/ml):2;disk(*):10'),
    parse([
      { name: 'cpus', scalar: 4 },
      { name: 'mem', scalar: 1024 },
      { name: 'ports', ranges: [[31000, 31009], [31020, 31020]] },
      { name: 'cpus', scalar: 2, reservation: 'eng/ml' },
      { name: 'disk', scalar: 10 },
    ]),
  );
});

test.run();
