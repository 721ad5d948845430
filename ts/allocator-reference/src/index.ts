// @tessera/allocator-reference: the allocator of SEMANTICS.md in plain
// TypeScript, the oracle for differential tests of the native @tessera/allocator.

export { ReferenceAllocator } from './allocator.js';
export { Allocation, Placement } from './results.js';
