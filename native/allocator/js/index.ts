// @tessera/allocator: weighted DRF allocation and bin-packing placement with
// Mesos hierarchical-allocator semantics (../SEMANTICS.md), native via napi-rs.

export { Allocator } from './allocator.js';
export * from './errors.js';
export type * from './types.js';
export { parseResources, heapBytes } from './functions.js';
