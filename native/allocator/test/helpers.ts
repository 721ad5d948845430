// Builders and assertions shared by the suites: `agent('a1').cpus(4).mem(8192).build()`,
// `brief(allocation)` for compact offer lists, `throwsAllocatorError` for the
// class + code + field-path triple every error must carry.

import type { AgentSpec, Allocation, Attributes, Resource, UsedResources } from '@tessera/allocator';
import { AllocatorError } from '@tessera/allocator';
import * as assert from 'uvu/assert';

export const NO_REJECTIONS = { filter: 0, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 0, gpu: 0 };

export const cpus = (scalar: number, reservation?: string): Resource =>
  reservation === undefined ? { name: 'cpus', scalar } : { name: 'cpus', scalar, reservation };
export const mem = (scalar: number, reservation?: string): Resource =>
  reservation === undefined ? { name: 'mem', scalar } : { name: 'mem', scalar, reservation };
export const gpus = (scalar: number): Resource => ({ name: 'gpus', scalar });
export const ports = (...ranges: Array<[number, number]>): Resource => ({ name: 'ports', ranges });
export const revocable = (r: Resource): Resource => ({ ...r, revocable: true });

export class AgentBuilder {
  readonly #resources: Resource[] = [];
  readonly #attributes: Attributes = {};
  readonly #used: UsedResources[] = [];
  #hostname: string | undefined;
  #active = true;

  constructor(readonly id: string) {}

  with(...resources: Resource[]): this {
    this.#resources.push(...resources);
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
  ports(...ranges: Array<[number, number]>): this {
    return this.with(ports(...ranges));
  }
  attr(name: string, value: string | number): this {
    this.#attributes[name] = value;
    return this;
  }
  hostname(hostname: string): this {
    this.#hostname = hostname;
    return this;
  }
  /** Resources `frameworkId` already holds under `role` when the agent is added. */
  using(frameworkId: string, role: string, ...resources: Resource[]): this {
    this.#used.push({ frameworkId, role, resources });
    return this;
  }
  inactive(): this {
    this.#active = false;
    return this;
  }
  build(): AgentSpec {
    const spec: AgentSpec = { id: this.id, resources: [...this.#resources], attributes: { ...this.#attributes }, active: this.#active };
    if (this.#hostname !== undefined) spec.hostname = this.#hostname;
    if (this.#used.length > 0) spec.used = [...this.#used];
    return spec;
  }
}

export const agent = (id: string): AgentBuilder => new AgentBuilder(id);

/** Offers as `[id, framework, role, agent]` tuples, in the order they were made. */
export function brief(allocation: Allocation): Array<[number, string, string, string]> {
  return [...allocation].map((o) => [o.id, o.frameworkId, o.role, o.agentId]);
}

/** Offers as `framework@agent` strings. */
export function who(allocation: Allocation): string[] {
  return [...allocation].map((o) => `${o.frameworkId}@${o.agentId}`);
}

/**
 * The agents offered, sorted by id, one entry per offer: equal to a list of
 * distinct ids, it says every one of them was offered exactly once, whichever
 * order the cycle visited them in.
 */
export function offeredAgents(allocation: Allocation): string[] {
  return [...allocation].map((o) => o.agentId).sort();
}

/**
 * The tie-break of the agent order (SEMANTICS.md, "Order", "Agent order"),
 * written out from the rule: `fmix32((seq mod 2^32) XOR (cycle × 0x9E3779B1))`
 * in 32-bit unsigned arithmetic, `cycle` counting the allocate() calls from 1.
 */
export function shuffle(seq: number, cycle: number): number {
  let h = ((seq >>> 0) ^ Math.imul(cycle >>> 0, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The order in which cycle `cycle` visits agents of equal utilisation, given
 * as `{id: seq}` (seq: 0, 1, … in addAgent order): ascending shuffle(seq, cycle),
 * then ascending seq.
 */
export function tieOrder(seqs: Record<string, number>, cycle: number): string[] {
  return Object.entries(seqs)
    .map(([id, seq]) => ({ id, seq, tie: shuffle(seq, cycle) }))
    .sort((x, y) => x.tie - y.tie || x.seq - y.seq)
    .map((x) => x.id);
}

/**
 * Runs `fn`, which must throw an instance of `klass` with this `code` and a
 * message matching `path` (the field at fault). Returns the error.
 */
export function throwsAllocatorError(
  fn: () => unknown,
  klass: abstract new (...args: never[]) => AllocatorError,
  code: string,
  path: RegExp,
): AllocatorError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) assert.unreachable(`expected ${klass.name} (${code}), but nothing was thrown`);
  const err = thrown as AllocatorError;
  assert.ok(err instanceof klass, `expected ${klass.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  assert.ok(err instanceof AllocatorError, 'every allocator error is an AllocatorError');
  assert.is(err.code, code, `wrong code for: ${err.message}`);
  assert.is(err.name, klass.name);
  assert.match(err.message, path);
  return err;
}
