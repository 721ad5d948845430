// Builders and assertions for allocator tests, one copy for the conformance
// suite (both implementations) and the two package suites:
// `agent('a1').cpus(4).mem(8192).build()`, `brief(allocation)` / `who(allocation)`
// for compact offer lists, `tieOrder` for the agent order among equals, and
// `throwsAllocatorError` / `throwsCode` for the class, code and message of an error.
//
// Only types and the error classes are imported: the reference's own tests use
// this file without loading the native addon.

import { AllocatorError } from '@tessera/allocator/errors';
import type { AgentSpec, Attributes, Resource, UsedResources } from '@tessera/allocator/types';
import * as assert from 'uvu/assert';

export const NO_REJECTIONS = { filter: 0, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 0, gpu: 0 };
export const NO_SHORTFALL = { constraint: 0, gpu: 0, maxPerAgent: 0, insufficient: 0, quotaLimit: 0 };

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

type OfferLike = { id: number; frameworkId: string; role: string; agentId: string };

/** Offers as `[id, framework, role, agent]` tuples, in the order they were made. */
export function brief(offers: Iterable<OfferLike>): Array<[number, string, string, string]> {
  return [...offers].map((o) => [o.id, o.frameworkId, o.role, o.agentId]);
}

/** Offers as `framework@agent` strings. */
export function who(offers: Iterable<OfferLike>): string[] {
  return [...offers].map((o) => `${o.frameworkId}@${o.agentId}`);
}

/**
 * The agents offered, sorted by id, one entry per offer: equal to a list of
 * distinct ids, it says every one of them was offered exactly once, whichever
 * order the cycle visited them in.
 */
export function offeredAgents(offers: Iterable<{ agentId: string }>): string[] {
  return [...offers].map((o) => o.agentId).sort();
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

function thrownBy(fn: () => unknown, expected: string): AllocatorError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) assert.unreachable(`expected ${expected}, but nothing was thrown`);
  const err = thrown as AllocatorError;
  assert.ok(err instanceof AllocatorError, `expected an AllocatorError (${expected}), got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  return err;
}

/**
 * Runs `fn`, which must throw an AllocatorError with this `code` and, if given,
 * a message matching `message`. Returns the error.
 */
export function throwsCode(fn: () => unknown, code: string, message?: RegExp): AllocatorError {
  const err = thrownBy(fn, code);
  assert.is(err.code, code, `expected ${code}, got ${err.message}`);
  if (message !== undefined) assert.match(err.message, message);
  return err;
}

/**
 * Runs `fn`, which must throw an instance of `klass` with this `code` and, if
 * given, a message matching `message` (the native package names the field at
 * fault: bad-input.test.ts). Returns the error.
 */
export function throwsAllocatorError(
  fn: () => unknown,
  klass: abstract new (...args: never[]) => AllocatorError,
  code: string,
  message?: RegExp,
): AllocatorError {
  const err = thrownBy(fn, `${klass.name} (${code})`);
  assert.ok(err instanceof klass, `expected ${klass.name}, got ${err.constructor?.name}: ${err.message}`);
  assert.is(err.code, code, `wrong code for: ${err.message}`);
  assert.is(err.name, klass.name);
  if (message !== undefined) assert.match(err.message, message);
  return err;
}
