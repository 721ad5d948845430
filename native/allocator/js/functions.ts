// Module-level functions of the addon.

import { toAllocatorError } from './errors.js';
import { binding } from './native.js';
import { cleanResources } from './resources.js';
import type { Resource } from './types.js';

/**
 * Parses and checks resources in the Mesos text form,
 * `cpus:4;mem:1024;ports:[31000-32000];cpus(ml):2`.
 */
export function parseResources(text: string): Resource[] {
  try {
    return cleanResources(binding.parseResources(text));
  } catch (e) {
    throw toAllocatorError('parseResources', e);
  }
}

/** Bytes the native allocator holds on its heap, across all instances. */
export function heapBytes(): number {
  return binding.heapBytes();
}
