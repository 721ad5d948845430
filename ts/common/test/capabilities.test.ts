import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  FrameworkCapability,
  frameworkCapabilityToJSON,
  fromAllocatorCapabilities,
  toAllocatorCapabilities,
} from '../src/index.js';

function failsWith(message: string): (error: unknown) => boolean {
  return (error) => error instanceof TypeError && error.message === message;
}

test('toAllocatorCapabilities: wire enum values become the allocator names', () => {
  assert.equal(toAllocatorCapabilities([FrameworkCapability.GPU_RESOURCES, FrameworkCapability.MULTI_ROLE]), [
    'GPU_RESOURCES',
    'MULTI_ROLE',
  ]);
});

test('every capability of the proto enum converts both ways (a new one must be added to the table)', () => {
  const all = Object.values(FrameworkCapability).filter(
    (v): v is FrameworkCapability =>
      typeof v === 'number' && v !== FrameworkCapability.UNSPECIFIED && v !== FrameworkCapability.UNRECOGNIZED,
  );
  assert.is(all.length, 8);
  const names = toAllocatorCapabilities(all);
  assert.equal(names, [
    'GPU_RESOURCES',
    'REVOCABLE_RESOURCES',
    'MULTI_ROLE',
    'PARTITION_AWARE',
    'SHARED_RESOURCES',
    'RESERVATION_REFINEMENT',
    'REGION_AWARE',
    'TASK_KILLING_STATE',
  ]);
  assert.equal(fromAllocatorCapabilities(names), all);
});

test('wire and JSON names keep the protobuf prefix', () => {
  assert.is(frameworkCapabilityToJSON(FrameworkCapability.GPU_RESOURCES), 'FRAMEWORK_CAPABILITY_GPU_RESOURCES');
  assert.is(FrameworkCapability.GPU_RESOURCES, 1);
});

test('UNSPECIFIED and unknown values are errors naming the index', () => {
  assert.throws(
    () => toAllocatorCapabilities([FrameworkCapability.MULTI_ROLE, FrameworkCapability.UNSPECIFIED]),
    failsWith('capabilities[1]: must be a known capability other than UNSPECIFIED (got UNSPECIFIED)'),
  );
  assert.throws(
    () => toAllocatorCapabilities([42 as FrameworkCapability], 'framework.capabilities'),
    failsWith('framework.capabilities[0]: must be a known capability other than UNSPECIFIED (got 42)'),
  );
});

test.run();
