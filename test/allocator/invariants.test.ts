// Invariant property tests, run on both the native allocator and the reference
// over seeded random histories (the operations of differential.ts):
//   - no agent ever has more offered, used and free than its total, and every
//     resource is in exactly one place (free, one offer, or used);
//   - a cycle never pushes a role's quota consumption past its limit;
//   - a filter keeps refused resources from their framework until it expires or
//     the framework revives;
//   - within a cycle each agent goes to the eligible framework with the lowest
//     dominant share (checked where every framework is eligible everywhere).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Allocator } from '@tessera/allocator';
import type { AgentView, AllocatorApi, Offer, Resource } from '@tessera/allocator/types';
import { ReferenceAllocator } from '@tessera/allocator-reference';

import { attempt, chooseOp, track } from './differential.ts';
import { Random, seeds } from './random.ts';
import { agentSpec, frameworkSpec, ROLES, World } from './scenario.ts';

const implementations: Array<[string, () => AllocatorApi]> = [
  ['native', () => new Allocator()],
  ['reference', () => new ReferenceAllocator()],
];

const milli = (v: number) => Math.round(v * 1000);
const identity = (r: Resource) => `${r.name}(${r.reservation ?? '*'})${r.revocable ? '~' : ''}`;

/** total = free + offered + used, exactly: scalars sum, ranges partition. */
function checkConservation(view: AgentView, where: string): void {
  const parts: Resource[][] = [view.free, ...view.offered.map((o) => o.resources), ...view.used.map((u) => u.resources)];
  const scalars = new Map<string, number>();
  const ranges = new Map<string, Array<[number, number]>>();
  for (const part of parts) {
    for (const r of part) {
      if (r.scalar !== undefined) scalars.set(identity(r), (scalars.get(identity(r)) ?? 0) + milli(r.scalar));
      else ranges.set(identity(r), [...(ranges.get(identity(r)) ?? []), ...r.ranges!]);
    }
  }
  for (const r of view.total) {
    const key = identity(r);
    if (r.scalar !== undefined) {
      assert.is(scalars.get(key) ?? 0, milli(r.scalar), `${where}: ${key} on ${view.id} adds up to its total`);
      scalars.delete(key);
    } else {
      const pieces = (ranges.get(key) ?? []).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < pieces.length; i++) {
        assert.ok(pieces[i]![0] > pieces[i - 1]![1], `${where}: ${key} on ${view.id} is in two places at once`);
      }
      const count = (rs: ReadonlyArray<readonly [number, number]>) => rs.reduce((n, [b, e]) => n + e - b + 1, 0);
      assert.is(count(pieces), count(r.ranges!), `${where}: ${key} on ${view.id} adds up to its total`);
      ranges.delete(key);
    }
  }
  assert.equal([...scalars.keys(), ...ranges.keys()], [], `${where}: nothing on ${view.id} beyond its total`);
}

function contains(refused: Resource[], offered: Resource[]): boolean {
  return offered.every((o) => {
    const r = refused.find((x) => identity(x) === identity(o));
    if (!r) return false;
    if (o.scalar !== undefined) return r.scalar !== undefined && milli(r.scalar) >= milli(o.scalar);
    return o.ranges!.every(([b, e]) => r.ranges!.some(([rb, re]) => rb <= b && e <= re));
  });
}

interface FilterRecord {
  frameworkId: string;
  role: string;
  agentId: string;
  refused: Resource[];
  expiresAt: number;
}

function history(make: () => AllocatorApi, seed: number): void {
  const rng = new Random(seed);
  const world = new World(rng);
  const alloc = make();
  const filters: FilterRecord[] = [];
  for (let i = 0, n = rng.int(2, 6); i < n; i++) {
    const spec = frameworkSpec(rng, world.newId('f'));
    alloc.addFramework(spec);
    world.frameworks.push(spec.id);
  }
  const agents = Array.from({ length: rng.int(3, 14) }, () => agentSpec(rng, world.newId('a')));
  alloc.addAgents(agents);
  world.agents.push(...agents.map((a) => a.id));

  for (let i = 0; i < 150; i++) {
    const op = chooseOp(world, alloc);
    const where = `seed ${seed}, op ${i} ${op.name}`;
    const before = ROLES.map((r) => alloc.role(r));
    const offersBefore = new Map(world.offers.map((o) => [o.id, o]));
    const outcome = attempt(alloc, op);
    track(world, op, outcome, alloc);
    for (const id of world.agents) checkConservation(alloc.agent(id), where);
    if ('error' in outcome) continue;

    // Model the filters the operation made or cleared.
    const m = /^(decline|accept)\((.*?), /.exec(op.name);
    if (op.name.startsWith('decline') || op.name.startsWith('accept')) {
      const refuse = Number(/, (Infinity|[\d.]+)\)$/.exec(op.name)?.[1] ?? 0);
      if (op.name.startsWith('decline') && refuse > 0 && m) {
        for (const id of m[2]!.split(',').filter(Boolean).map(Number)) {
          const o = offersBefore.get(id)!;
          filters.push({ frameworkId: o.frameworkId, role: o.role, agentId: o.agentId, refused: o.resources, expiresAt: world.now + refuse * 1000 });
        }
      }
    }
    const revive = /^revive\((\w+), (.*)\)$/.exec(op.name);
    if (revive) {
      const roles = revive[2] === 'undefined' ? undefined : revive[2]!.split(',');
      for (let k = filters.length - 1; k >= 0; k--) {
        const f = filters[k]!;
        if (f.frameworkId === revive[1] && (!roles || roles.includes(f.role))) filters.splice(k, 1);
      }
    }
    const removed = /^remove(Framework|Agent)\((\w+)\)$/.exec(op.name);
    if (removed) {
      for (let k = filters.length - 1; k >= 0; k--) {
        if ((removed[1] === 'Framework' ? filters[k]!.frameworkId : filters[k]!.agentId) === removed[2]) filters.splice(k, 1);
      }
    }
    if (/^updateAgent\(\w+, \{"resources"/.test(op.name)) {
      const agent = /^updateAgent\((\w+),/.exec(op.name)![1];
      for (let k = filters.length - 1; k >= 0; k--) if (filters[k]!.agentId === agent) filters.splice(k, 1);
    }

    if (!op.name.startsWith('allocate')) continue;
    const offers = (outcome.ok as { offers: Offer[] }).offers;
    for (const o of offers) {
      const refusing = filters.find(
        (f) => f.frameworkId === o.frameworkId && f.role === o.role && f.agentId === o.agentId && f.expiresAt > world.now && contains(f.refused, o.resources),
      );
      assert.not.ok(refusing, `${where}: offer ${o.id} gives ${o.frameworkId} what it refused on ${o.agentId} until ${refusing?.expiresAt}`);
    }
    ROLES.forEach((r, k) => {
      const after = alloc.role(r);
      for (const [name, limit] of Object.entries(after.limits)) {
        const was = before[k]!.consumedQuota[name] ?? 0;
        const now = after.consumedQuota[name] ?? 0;
        assert.ok(now <= Math.max(limit, was) + 1e-9, `${where}: role ${r} consumes ${now} ${name}, above its limit ${limit} (was ${was})`);
      }
    });
  }
}

for (const [name, make] of implementations) {
  test(`${name}: resources are conserved, limits held and filters honoured`, () => {
    for (const seed of seeds(Number(process.env.SEEDS ?? 40), 50_001)) history(make, seed);
  });

  test(`${name}: each agent goes to the framework with the lowest dominant share`, () => {
    for (const seed of seeds(Number(process.env.SEEDS ?? 40), 60_001)) {
      const rng = new Random(seed);
      const alloc = make();
      const frameworks = Array.from({ length: rng.int(2, 8) }, (_, i) => `f${i}`);
      for (const id of frameworks) alloc.addFramework({ id, roles: ['*'] });
      // Every agent the same shape, so every framework is eligible everywhere.
      const shape = `cpus:${rng.int(1, 8)};mem:${rng.int(1, 8) * 1024}`;
      const total = { cpus: 0, mem: 0 };
      for (let i = 0, n = rng.int(2, 20); i < n; i++) {
        alloc.addAgent({ id: `a${i}`, resources: shape });
      }
      for (const r of alloc.agent('a0').total) total[r.name as 'cpus' | 'mem'] = r.scalar! * alloc.stats().agents;
      const held = new Map(frameworks.map((f) => [f, { cpus: 0, mem: 0 }]));
      for (let round = 0; round < 3; round++) {
        const cycle = alloc.allocate(round);
        for (const o of cycle) {
          const share = (f: string) => Math.max(held.get(f)!.cpus / total.cpus, held.get(f)!.mem / total.mem);
          const lowest = [...frameworks].sort((a, b) => share(a) - share(b) || (a < b ? -1 : 1))[0];
          assert.is(o.frameworkId, lowest, `seed ${seed}, round ${round}: ${o.agentId} went to the lowest share`);
          for (const r of o.resources) held.get(o.frameworkId)![r.name as 'cpus' | 'mem'] += r.scalar!;
        }
        // Half the offers come back (no filter), changing everyone's shares.
        const back = [...cycle].filter(() => rng.chance(0.5));
        for (const o of back) for (const r of o.resources) held.get(o.frameworkId)![r.name as 'cpus' | 'mem'] -= r.scalar!;
        alloc.decline(back.map((o) => o.id), { refuseSeconds: 0 });
      }
    }
  });
}

test.run();
