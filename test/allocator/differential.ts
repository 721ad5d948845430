// The differential history runner: seeded random clusters and operation
// sequences run through the native allocator and the TypeScript reference;
// every result, every error code and, every few operations, the whole visible
// state must be identical. `replay.ts` runs one seed with a log of operations.

import * as assert from 'uvu/assert';

import { Allocator } from '@tessera/allocator';
import type { AllocatorApi, AllocatorOptions, Offer } from '@tessera/allocator/types';
import { ReferenceAllocator } from '@tessera/allocator-reference';

import { Random } from './random.ts';
import { agentSpec, frameworkSpec, type Op, partOf, placementRequests, quotaSpec, ROLES, World } from './scenario.ts';

export type Outcome = { ok: unknown } | { error: string };

export function attempt(alloc: AllocatorApi, op: Op): Outcome {
  try {
    return { ok: normalize(op.run(alloc)) };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_')) throw e;
    return { error: code };
  }
}

/** Results as plain data: allocations and placements become arrays. */
function normalize(result: unknown): unknown {
  if (result && typeof result === 'object' && 'offerIds' in result && 'passedOver' in result) {
    const a = result as unknown as { passedOver: unknown } & Iterable<Offer>;
    return { offers: [...a], passedOver: a.passedOver };
  }
  if (result && typeof result === 'object' && 'requests' in result && 'placed' in result) {
    const p = result as unknown as { requests: unknown; placed: number } & Iterable<unknown>;
    return { assignments: [...p], requests: p.requests, placed: p.placed };
  }
  return result;
}

function snapshot(alloc: AllocatorApi, world: World): unknown {
  return {
    agents: world.agents.map((id) => alloc.agent(id)),
    frameworks: world.frameworks.map((id) => alloc.framework(id)),
    roles: ROLES.map((r) => alloc.role(r)),
    roleOrder: alloc.roleOrder(),
    frameworkOrders: ROLES.map((r) => alloc.frameworkOrder(r)),
    stats: alloc.stats(),
  };
}

export function chooseOp(world: World, native: AllocatorApi): Op {
  const { rng } = world;
  const roll = rng.next();
  const offer = (): Offer | undefined => (world.offers.length ? rng.pick(world.offers) : undefined);
  const refuse = () => rng.pick([0, 1, 5, 30, Infinity]);
  if (roll < 0.3) {
    world.now += rng.int(0, 8000);
    const now = world.now;
    return { name: `allocate(${now})`, run: (a) => a.allocate(now) };
  }
  if (roll < 0.42) {
    const ids = rng.subset(world.offers, 0.6).map((o) => o.id);
    const opts = { refuseSeconds: refuse(), now: world.now };
    return { name: `decline(${ids}, ${opts.refuseSeconds})`, run: (a) => a.decline(ids, opts) };
  }
  if (roll < 0.54) {
    const o = offer();
    if (o) {
      const sibling = world.offers.find((x) => x !== o && x.frameworkId === o.frameworkId && x.agentId === o.agentId && x.role === o.role);
      const ids = sibling && rng.chance(0.5) ? [o.id, sibling.id] : [o.id];
      const used = partOf(rng, o);
      const opts = { refuseSeconds: refuse(), now: world.now };
      return { name: `accept(${ids}, ${JSON.stringify(used)})`, run: (a) => a.accept(ids, used, opts) };
    }
  }
  if (roll < 0.58) {
    const ids = rng.subset(world.offers, 0.5).map((o) => o.id);
    return { name: `rescind(${ids})`, run: (a) => a.rescind(ids) };
  }
  if (roll < 0.66 && world.agents.length) {
    const agentId = rng.pick(world.agents);
    const used = native.agent(agentId).used;
    if (used.length) {
      const u = rng.pick(used);
      const part = partOf(rng, { id: 0, frameworkId: u.frameworkId, role: u.role, agentId, resources: u.resources });
      const opts = { refuseSeconds: rng.pick([0, 0, 10]), now: world.now };
      return { name: `recover(${u.frameworkId}, ${agentId}, ${u.role})`, run: (a) => a.recover(u.frameworkId, agentId, u.role, part, opts) };
    }
  }
  if (roll < 0.71 && world.frameworks.length) {
    const f = rng.pick(world.frameworks);
    const roles = rng.chance(0.5) ? undefined : native.framework(f).roles.slice(0, 1);
    return rng.chance(0.5)
      ? { name: `suppress(${f}, ${roles})`, run: (a) => a.suppress(f, roles) }
      : { name: `revive(${f}, ${roles})`, run: (a) => a.revive(f, roles) };
  }
  if (roll < 0.75) {
    if (rng.chance(0.5) && world.frameworks.length) {
      const f = rng.pick(world.frameworks);
      return rng.chance(0.5)
        ? { name: `deactivateFramework(${f})`, run: (a) => a.deactivateFramework(f) }
        : { name: `activateFramework(${f})`, run: (a) => a.activateFramework(f) };
    }
    if (world.agents.length) {
      const id = rng.pick(world.agents);
      return rng.chance(0.5)
        ? { name: `deactivateAgent(${id})`, run: (a) => a.deactivateAgent(id) }
        : { name: `activateAgent(${id})`, run: (a) => a.activateAgent(id) };
    }
  }
  if (roll < 0.79) {
    const spec = agentSpec(rng, world.newId('a'));
    if (world.frameworks.length && rng.chance(0.3)) {
      const f = rng.pick(world.frameworks);
      spec.used = [{ frameworkId: f, role: rng.pick(native.framework(f).roles.concat('*')), resources: [{ name: 'cpus', scalar: 0.5 }] }];
    }
    return { name: `addAgent(${spec.id})`, run: (a) => a.addAgent(spec) };
  }
  if (roll < 0.82 && world.agents.length) {
    const id = rng.pick(world.agents);
    return { name: `removeAgent(${id})`, run: (a) => a.removeAgent(id) };
  }
  if (roll < 0.85 && world.agents.length) {
    const id = rng.pick(world.agents);
    const changes = rng.chance(0.5) ? { resources: agentSpec(rng, id).resources } : { attributes: { rack: rng.pick(['r1', 'r2']) } };
    return { name: `updateAgent(${id}, ${JSON.stringify(changes)})`, run: (a) => a.updateAgent(id, changes) };
  }
  if (roll < 0.88) {
    const spec = frameworkSpec(rng, world.newId('f'));
    return { name: `addFramework(${JSON.stringify(spec)})`, run: (a) => a.addFramework(spec) };
  }
  if (roll < 0.9 && world.frameworks.length) {
    const id = rng.pick(world.frameworks);
    return { name: `removeFramework(${id})`, run: (a) => a.removeFramework(id) };
  }
  if (roll < 0.92 && world.frameworks.length) {
    const id = rng.pick(world.frameworks);
    const { id: _, ...changes } = frameworkSpec(rng, id);
    return { name: `updateFramework(${id}, ${JSON.stringify(changes)})`, run: (a) => a.updateFramework(id, changes) };
  }
  if (roll < 0.94) {
    const weights = { [rng.pick(ROLES.slice(1))]: rng.pick([0.5, 1, 2, 3]) };
    return { name: `setWeights(${JSON.stringify(weights)})`, run: (a) => a.setWeights(weights) };
  }
  if (roll < 0.97) {
    const role = rng.pick(ROLES.slice(1));
    const quota = quotaSpec(rng, role);
    return { name: `setQuota(${role}, ${JSON.stringify(quota)})`, run: (a) => a.setQuota(role, quota) };
  }
  const requests = placementRequests(rng);
  const strategy = rng.pick(['binpack', 'spread'] as const);
  return { name: `place(${JSON.stringify(requests)}, ${strategy})`, run: (a) => a.place(requests, { strategy }) };
}

/** Keeps the world's id lists and outstanding offers in step with an op's result. */
export function track(world: World, op: Op, outcome: Outcome, native: AllocatorApi): void {
  if ('error' in outcome) return;
  const name = op.name;
  if (name.startsWith('allocate')) {
    world.offers.push(...(outcome.ok as { offers: Offer[] }).offers);
  }
  if (name.startsWith('addAgent')) world.agents.push(name.slice(9, -1));
  if (name.startsWith('removeAgent')) world.agents = world.agents.filter((a) => a !== name.slice(12, -1));
  if (name.startsWith('addFramework')) world.frameworks.push(JSON.parse(name.slice(13, -1)).id);
  if (name.startsWith('removeFramework')) world.frameworks = world.frameworks.filter((f) => f !== name.slice(16, -1));
  // Whatever the op, keep only offers the allocator still has.
  world.offers = world.offers.filter((o) => native.offer(o.id) !== undefined);
}

export function runHistory(
  seed: number,
  options: AllocatorOptions,
  ops: number,
  log?: (line: string) => void,
  inspect?: (index: number, native: AllocatorApi, reference: AllocatorApi) => void,
): void {
  const rng = new Random(seed);
  const world = new World(rng);
  const native = new Allocator(options);
  const reference = new ReferenceAllocator(options);
  const both = (op: Op): Outcome => {
    log?.(op.name);
    const n = attempt(native, op);
    const r = attempt(reference, op);
    if (log && JSON.stringify(n) !== JSON.stringify(r)) {
      log(`native:    ${JSON.stringify(n)}`);
      log(`reference: ${JSON.stringify(r)}`);
    }
    assert.equal(n, r, `seed ${seed}: ${op.name}`);
    return n;
  };
  for (let i = 0, n = rng.int(2, 6); i < n; i++) {
    const spec = frameworkSpec(rng, world.newId('f'));
    both({ name: 'addFramework', run: (a) => a.addFramework(spec) });
    world.frameworks.push(spec.id);
  }
  const agents = Array.from({ length: rng.int(3, 14) }, () => agentSpec(rng, world.newId('a')));
  both({ name: 'addAgents', run: (a) => a.addAgents(agents) });
  world.agents.push(...agents.map((a) => a.id));
  for (let i = 0; i < ops; i++) {
    inspect?.(i, native, reference);
    const op = chooseOp(world, native);
    const outcome = both(op);
    track(world, op, outcome, native);
    if (i % 5 === 4) assert.equal(snapshot(native, world), snapshot(reference, world), `seed ${seed}: state after op ${i} ${op.name}`);
  }
  assert.equal(snapshot(native, world), snapshot(reference, world), `seed ${seed}: final state`);
}

