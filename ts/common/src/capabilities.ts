// Framework capabilities: the wire enum <-> the allocator's capability names.

import type { Capability as AllocatorCapability } from '@tessera/allocator/types';

import { FrameworkCapability } from './gen/tessera/v1/capabilities.js';
import { at, malformed } from './path.js';

// Written out, not derived from the enum's member names, so that the compiler
// checks every name against the allocator's Capability type.
const TO_ALLOCATOR: ReadonlyMap<FrameworkCapability, AllocatorCapability> = new Map([
  [FrameworkCapability.GPU_RESOURCES, 'GPU_RESOURCES'],
  [FrameworkCapability.REVOCABLE_RESOURCES, 'REVOCABLE_RESOURCES'],
  [FrameworkCapability.MULTI_ROLE, 'MULTI_ROLE'],
  [FrameworkCapability.PARTITION_AWARE, 'PARTITION_AWARE'],
  [FrameworkCapability.SHARED_RESOURCES, 'SHARED_RESOURCES'],
  [FrameworkCapability.RESERVATION_REFINEMENT, 'RESERVATION_REFINEMENT'],
  [FrameworkCapability.REGION_AWARE, 'REGION_AWARE'],
  [FrameworkCapability.TASK_KILLING_STATE, 'TASK_KILLING_STATE'],
]);

const FROM_ALLOCATOR: ReadonlyMap<AllocatorCapability, FrameworkCapability> = new Map(
  [...TO_ALLOCATOR].map(([wire, name]) => [name, wire]),
);

/** Wire capabilities -> allocator capabilities. UNSPECIFIED and unknown values are errors. */
export function toAllocatorCapabilities(
  capabilities: readonly FrameworkCapability[],
  path = 'capabilities',
): AllocatorCapability[] {
  return capabilities.map((capability, index) => {
    const name = TO_ALLOCATOR.get(capability);
    if (name !== undefined) return name;
    const got = FrameworkCapability[capability] ?? String(capability);
    throw malformed(at(path, index), `must be a known capability other than UNSPECIFIED (got ${got})`);
  });
}

/** Allocator capabilities -> wire capabilities. */
export function fromAllocatorCapabilities(
  capabilities: readonly AllocatorCapability[],
  path = 'capabilities',
): FrameworkCapability[] {
  return capabilities.map((name, index) => {
    const capability = FROM_ALLOCATOR.get(name);
    if (capability === undefined) throw malformed(at(path, index), `unknown capability ${JSON.stringify(name)}`);
    return capability;
  });
}
