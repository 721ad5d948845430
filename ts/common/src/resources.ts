// Resources, quantities and quota: wire messages <-> the allocator's types.
//
// The converters check shape only, i.e. what proto3 cannot say: a oneof that
// must hold exactly one member. Names, amounts, ranges and roles are left to
// the allocator, whose rules (native/allocator/SEMANTICS.md) are the single
// source of truth and whose errors carry the same field paths.

import type {
  Quantities as AllocatorQuantities,
  QuotaSpec as AllocatorQuotaSpec,
  Resource as AllocatorResource,
} from '@tessera/allocator/types';

import type { Quota } from './gen/tessera/v1/quota.js';
import { Resource, type ResourceQuantities } from './gen/tessera/v1/resources.js';
import { at, isSet, malformed, recordOf } from './path.js';

/** Wire resources -> allocator resources. An empty reservation becomes none. */
export function toAllocatorResources(resources: readonly Resource[], path = 'resources'): AllocatorResource[] {
  return resources.map((resource, index) => {
    const here = at(path, index);
    const { scalar, ranges } = resource;
    checkOneValue(here, isSet(scalar), isSet(ranges));
    const out: AllocatorResource = { name: resource.name };
    if (isSet(scalar)) out.scalar = scalar.value;
    if (isSet(ranges)) out.ranges = ranges.range.map((range) => [range.begin, range.end]);
    if (resource.reservation !== '') out.reservation = resource.reservation;
    if (resource.revocable) out.revocable = true;
    return out;
  });
}

/** Allocator resources -> wire resources. No reservation and `*` both become `''`. */
export function fromAllocatorResources(resources: readonly AllocatorResource[], path = 'resources'): Resource[] {
  return resources.map((resource, index) => {
    const { scalar, ranges, reservation } = resource;
    checkOneValue(at(path, index), isSet(scalar), isSet(ranges));
    return Resource.create({
      name: resource.name,
      scalar: isSet(scalar) ? { value: scalar } : undefined,
      ranges: isSet(ranges) ? { range: ranges.map(([begin, end]) => ({ begin, end })) } : undefined,
      reservation: reservation === undefined || reservation === '*' ? '' : reservation,
      revocable: resource.revocable ?? false,
    });
  });
}

function checkOneValue(path: string, hasScalar: boolean, hasRanges: boolean): void {
  if (hasScalar && hasRanges) throw malformed(path, 'has both scalar and ranges');
  if (!hasScalar && !hasRanges) throw malformed(path, 'has neither scalar nor ranges');
}

/** Wire quantities -> allocator quantities (`{ cpus: 1.5, mem: 2048 }`). */
export function toAllocatorQuantities(quantities: ResourceQuantities): AllocatorQuantities {
  return recordOf(Object.entries(quantities.quantities));
}

/** Wire quota -> allocator quota spec. An absent guarantees or limits message means none. */
export function toAllocatorQuota(quota: Quota): AllocatorQuotaSpec {
  const out: AllocatorQuotaSpec = {};
  if (isSet(quota.guarantees)) out.guarantees = toAllocatorQuantities(quota.guarantees);
  if (isSet(quota.limits)) out.limits = toAllocatorQuantities(quota.limits);
  return out;
}
