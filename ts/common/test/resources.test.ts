import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  fromAllocatorResources,
  Resource,
  toAllocatorResources,
  Value_Range,
} from '../src/index.js';

// An agent's total, as the master receives it on the wire.
const agentTotal: Resource[] = [
  Resource.create({ name: 'cpus', scalar: { value: 4 } }),
  Resource.create({ name: 'mem', scalar: { value: 8192.5 } }),
  Resource.create({ name: 'ports', ranges: { range: [{ begin: 31000, end: 31999 }, { begin: 33000, end: 33000 }] } }),
  Resource.create({ name: 'cpus', scalar: { value: 2 }, reservation: 'eng/ml' }),
  Resource.create({ name: 'cpus', scalar: { value: 0.125 }, revocable: true }),
];

test('binary: a scalar resource encodes to the protobuf bytes and decodes back', () => {
  const bytes = Resource.encode(Resource.create({ name: 'cpus', scalar: { value: 4 } })).finish();
  // field 1 (name), len 4, "cpus"; field 2 (scalar), len 9: field 1 (double) 4.0 little-endian
  assert.equal(
    [...bytes],
    [0x0a, 4, 0x63, 0x70, 0x75, 0x73, 0x12, 9, 0x09, 0, 0, 0, 0, 0, 0, 0x10, 0x40],
  );
  assert.equal(Resource.decode(bytes), {
    name: 'cpus',
    scalar: { value: 4 },
    ranges: undefined,
    reservation: '',
    revocable: false,
  });
});

test('binary: every resource of an agent total survives encode/decode', () => {
  for (const resource of agentTotal) {
    assert.equal(Resource.decode(Resource.encode(resource).finish()), resource);
  }
});

test('binary: the largest range end a JS number holds exactly (2^53 - 1) survives', () => {
  const big = Resource.create({ name: 'ports', ranges: { range: [{ begin: 0, end: Number.MAX_SAFE_INTEGER }] } });
  const decoded = Resource.decode(Resource.encode(big).finish());
  assert.is(decoded.ranges?.range[0]?.end, 9007199254740991);
});

test('binary: a range end above 2^53 - 1 is refused on decode, not rounded', () => {
  // begin = 2^53, which a double cannot tell from 2^53 + 1
  const bytes = new BinaryWriter().uint32(8).uint64(2n ** 53n).finish();
  assert.throws(() => Value_Range.decode(bytes), /larger than Number.MAX_SAFE_INTEGER/);
});

test('toAllocatorResources: scalars, ranges as [begin, end] pairs, reservation and revocable', () => {
  assert.equal(toAllocatorResources(agentTotal), [
    { name: 'cpus', scalar: 4 },
    { name: 'mem', scalar: 8192.5 },
    { name: 'ports', ranges: [[31000, 31999], [33000, 33000]] },
    { name: 'cpus', scalar: 2, reservation: 'eng/ml' },
    { name: 'cpus', scalar: 0.125, revocable: true },
  ]);
});

test('fromAllocatorResources(toAllocatorResources(x)) gives x back', () => {
  assert.equal(fromAllocatorResources(toAllocatorResources(agentTotal)), agentTotal);
});

test('fromAllocatorResources: "*" and no reservation both mean unreserved', () => {
  const wire = fromAllocatorResources([
    { name: 'disk', scalar: 1024, reservation: '*' },
    { name: 'disk', scalar: 512 },
  ]);
  assert.equal(
    wire.map((r) => r.reservation),
    ['', ''],
  );
  assert.equal(toAllocatorResources(wire), [
    { name: 'disk', scalar: 1024 },
    { name: 'disk', scalar: 512 },
  ]);
});

test('an empty ranges set is a ranges value, not a missing one', () => {
  const wire = [Resource.create({ name: 'ports', ranges: { range: [] } })];
  assert.equal(toAllocatorResources(wire), [{ name: 'ports', ranges: [] }]);
});

test('toAllocatorResources: both scalar and ranges is an error naming the index', () => {
  const resources = [
    agentTotal[0]!,
    agentTotal[1]!,
    Resource.create({ name: 'ports', scalar: { value: 1 }, ranges: { range: [{ begin: 1, end: 2 }] } }),
  ];
  assert.throws(
    () => toAllocatorResources(resources),
    (error: unknown) => error instanceof TypeError && error.message === 'resources[2]: has both scalar and ranges',
  );
});

test('toAllocatorResources: both members of the oneof sent on the wire (last-wins is not applied) is an error', () => {
  // A peer that writes field 2 and field 3: ts-proto keeps both, so the converter must refuse.
  const writer = new BinaryWriter();
  writer.uint32(10).string('ports');
  writer.uint32(18).fork().uint32(9).double(1).join();
  writer.uint32(26).fork().uint32(10).fork().uint32(8).uint64(1).uint32(16).uint64(2).join().join();
  const decoded = Resource.decode(writer.finish());
  assert.throws(
    () => toAllocatorResources([decoded], 'agent.resources'),
    (error: unknown) => error instanceof TypeError && error.message === 'agent.resources[0]: has both scalar and ranges',
  );
});

test('toAllocatorResources: neither scalar nor ranges is an error', () => {
  assert.throws(
    () => toAllocatorResources([agentTotal[0]!, Resource.create({ name: 'cpus' })]),
    (error: unknown) => error instanceof TypeError && error.message === 'resources[1]: has neither scalar nor ranges',
  );
});

test('fromAllocatorResources: both scalar and ranges is an error too', () => {
  assert.throws(
    () => fromAllocatorResources([{ name: 'ports', scalar: 1, ranges: [[1, 2]] }], 'offer.resources'),
    (error: unknown) => error instanceof TypeError && error.message === 'offer.resources[0]: has both scalar and ranges',
  );
});

test.run();
