// The agent's total resources: what detection found, with the operator's
// --resources text replacing detection name by name. "cpus:2;cpus(ml):2"
// replaces all detected cpus with 2 unreserved plus 2 reserved for role ml;
// names the text does not mention keep their detected value.

import { parseResources } from '@tessera/allocator';
import type { Resource as AllocatorResource } from '@tessera/allocator/types';
import { fromAllocatorResources, type Resource } from '@tessera/common';

import { detectAllocatorResources } from './detect.js';

/** Parses the Mesos text form, with errors naming the option. */
export function parseResourcesOption(text: string, option = 'resources'): AllocatorResource[] {
  if (typeof text !== 'string') throw new TypeError(`${option}: must be a string`);
  try {
    return parseResources(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new TypeError(`${option}: ${message.replace(/^parseResources: (resources: )?/, '')}`);
  }
}

/** Detected resources with `overrides` replacing them per resource name. */
export function mergeResources(detected: AllocatorResource[], overrides: AllocatorResource[]): AllocatorResource[] {
  const overridden = new Set(overrides.map((resource) => resource.name));
  return [...detected.filter((resource) => !overridden.has(resource.name)), ...overrides];
}

/** The resources of this machine, as wire resources (what the CLI prints). */
export async function detectResources(workDir?: string): Promise<Resource[]> {
  return fromAllocatorResources(await detectAllocatorResources(workDir));
}

/** The agent's total: detection overridden by the `resources` text. */
export async function agentResources(workDir: string, text?: string): Promise<Resource[]> {
  const overrides = text === undefined ? [] : parseResourcesOption(text);
  return fromAllocatorResources(mergeResources(await detectAllocatorResources(workDir), overrides));
}
