// Builders for test clusters: `agent('a1').cpus(4).mem(8192).build()`.

import type { AgentSpec, Attributes, Resource, UsedResources } from '@tessera/allocator/types';
import type { AllocatorError } from '@tessera/allocator/errors';
import * as assert from 'uvu/assert';

export function cpus(scalar: number, reservation?: string): Resource {
  return reservation === undefined ? { name: 'cpus', scalar } : { name: 'cpus', scalar, reservation };
}

export function mem(scalar: number, reservation?: string): Resource {
  return reservation === undefined ? { name: 'mem', scalar } : { name: 'mem', scalar, reservation };
}

export function gpus(scalar: number): Resource {
  return { name: 'gpus', scalar };
}

export function ports(...ranges: Array<[number, number]>): Resource {
  return { name: 'ports', ranges };
}

export function revocable(r: Resource): Resource {
  return { ...r, revocable: true };
}

export class AgentBuilder {
  private readonly resources: Resource[] = [];
  private readonly attributes: Attributes = {};
  private readonly used: UsedResources[] = [];
  private host: string | undefined;
  private active = true;

  constructor(private readonly id: string) {}

  with(...resources: Resource[]): this {
    this.resources.push(...resources);
    return this;
  }

  cpus(scalar: number, reservation?: string): this {
    return this.with(cpus(scalar, reservation));
  }

  mem(scalar: number, reservation?: string): this {
    return this.with(mem(scalar, reservation));
  }

  gpus(scalar: number): this {
    return this.with(gpus(scalar));
  }

  attr(name: string, value: string | number): this {
    this.attributes[name] = value;
    return this;
  }

  hostname(hostname: string): this {
    this.host = hostname;
    return this;
  }

  using(frameworkId: string, role: string, ...resources: Resource[]): this {
    this.used.push({ frameworkId, role, resources });
    return this;
  }

  inactive(): this {
    this.active = false;
    return this;
  }

  build(): AgentSpec {
    const spec: AgentSpec = { id: this.id, resources: this.resources, attributes: this.attributes, active: this.active };
    if (this.host !== undefined) spec.hostname = this.host;
    if (this.used.length > 0) spec.used = this.used;
    return spec;
  }
}

export function agent(id: string): AgentBuilder {
  return new AgentBuilder(id);
}

/** Asserts that `fn` throws an AllocatorError with this code. */
export function throwsCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    assert.is((err as AllocatorError).code, code, `expected ${code}, got ${(err as Error).message}`);
    return;
  }
  assert.unreachable(`expected ${code}, but nothing was thrown`);
}

/**
 * The agents offered, sorted by id, one entry per offer: equal to a list of
 * distinct ids, it says every one of them was offered exactly once, whichever
 * order the cycle visited them in.
 */
export function offeredAgents(offers: Iterable<{ agentId: string }>): string[] {
  return [...offers].map((o) => o.agentId).sort();
}

/** Offers as compact tuples: [id, framework, role, agent]. */
export function brief(offers: Iterable<{ id: number; frameworkId: string; role: string; agentId: string }>): Array<[number, string, string, string]> {
  return [...offers].map((o) => [o.id, o.frameworkId, o.role, o.agentId]);
}
