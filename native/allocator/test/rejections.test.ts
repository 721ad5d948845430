// passedOver: every candidate (agent, role, framework) that stage 2 passes
// over adds one to the counter of the first check it fails (SEMANTICS.md,
// "Stage 2 — everyone"). One scenario per reason, with the exact count.

import type { Constraint } from '@tessera/allocator';
import { Allocator } from '@tessera/allocator';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agent, brief, cpus, gpus, mem, NO_REJECTIONS, offeredAgents, who } from './helpers.js';

const zoneIs = (value: string): Constraint => ({ attribute: 'zone', op: 'equals', value });

test('constraint: agents outside the framework\'s constraints', () => {
  const a = new Allocator();
  a.addFramework({ id: 'us', roles: ['r'], offerConstraints: { r: [[zoneIs('us')]] } });
  a.addFramework({ id: 'eu', roles: ['s'], offerConstraints: { s: [[zoneIs('eu')]] } });
  a.addFramework({ id: 'old', roles: ['old'] }); // holds cpus to set the agents' utilisation, then suppressed
  a.addAgent(agent('us1').attr('zone', 'us').cpus(2).mem(64).using('old', 'old', cpus(1)).build());
  a.addAgent(agent('eu1').attr('zone', 'eu').cpus(4).mem(64).using('old', 'old', cpus(1)).build());
  a.addAgent(agent('ap1').attr('zone', 'ap').cpus(1).mem(64).build());
  a.addAgent(agent('none').cpus(1).mem(64).build());
  a.suppress('old');
  const cycle = a.allocate(0);
  // binpack: us1 (util 1/2), eu1 (1/4), then ap1 and none (util 0, in the cycle's shuffle; either way the same)
  // cluster: cpus 8, mem 256. us1: r = s = 0 → us takes cpus:1 mem:64 → r = max(1/8, 64/256) = .25
  // eu1: s = 0 < r → eu takes cpus:3 mem:64 → s = max(3/8, 64/256) = .375
  // ap1: r = .25 < s = .375 → r: us ✗, s: eu ✗. none: the same: 2 + 2 = 4
  assert.equal(who(cycle), ['us@us1', 'eu@eu1']);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, constraint: 4 });
});

test('constraint: regexes, hostnames, AND inside a group, OR between groups', () => {
  const offered = (groups: Constraint[][]): [string[], number] => {
    const a = new Allocator();
    a.addFramework({ id: 'f', roles: ['r'], offerConstraints: { r: groups } });
    a.addAgent(agent('us1').hostname('node-1.us').attr('zone', 'us-1').attr('rack', 3).cpus(1).mem(64).build());
    a.addAgent(agent('us2').hostname('node-2.us').attr('zone', 'us-2').attr('rack', 2.5).cpus(1).mem(64).build());
    a.addAgent(agent('eu1').hostname('node-1.eu').attr('zone', 'eu-1').cpus(1).mem(64).build());
    const cycle = a.allocate(0);
    // the agents tie (util 0), so the cycle visits them in its shuffle: list them in addAgent order
    const added = ['us1', 'us2', 'eu1'];
    return [[...cycle].map((o) => o.agentId).sort((x, y) => added.indexOf(x) - added.indexOf(y)), cycle.passedOver.constraint];
  };
  assert.equal(offered([[{ attribute: 'zone', op: 'matches', value: 'us-.*' }]]), [['us1', 'us2'], 1]);
  assert.equal(offered([[{ attribute: 'zone', op: 'matches', value: 'us' }]]), [[], 3], 'the whole text must match');
  assert.equal(offered([[{ attribute: 'rack', op: 'equals', value: '2.5' }]]), [['us2'], 2], 'scalars compare as canonical decimals');
  assert.equal(offered([[{ attribute: 'rack', op: 'notExists' }]]), [['eu1'], 2]);
  assert.equal(offered([[{ attribute: 'rack', op: 'notEquals', value: '3' }]]), [['us2', 'eu1'], 1], 'missing ≠ 3');
  assert.equal(
    offered([[{ attribute: 'zone', op: 'matches', value: 'us-.*' }, { attribute: 'rack', op: 'equals', value: '3' }], [{ hostname: true, op: 'matches', value: '.*\\.eu' }]]),
    [['us1', 'eu1'], 1],
  );
  assert.equal(offered([]), [['us1', 'us2', 'eu1'], 0], 'no groups: every agent');
});

test('gpu: GPU agents are kept for frameworks with GPU_RESOURCES', () => {
  const a = new Allocator();
  a.addFramework({ id: 'cpu1', roles: ['a'] });
  a.addFramework({ id: 'cpu2', roles: ['b'] });
  a.addAgent(agent('gpu').cpus(4).mem(1024).gpus(1).build());
  const refused = a.allocate(0);
  assert.is(refused.length, 0);
  assert.equal(refused.passedOver, { ...NO_REJECTIONS, gpu: 2 });
  a.addFramework({ id: 'ml', roles: ['c'], capabilities: ['GPU_RESOURCES'] });
  const cycle = a.allocate(0);
  // a = b = c = 0: cpu1 and cpu2 are passed over, then ml takes everything
  assert.equal(brief(cycle), [[1, 'ml', 'c', 'gpu']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), gpus(1), mem(1024)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, gpu: 2 });
});

test('minAllocatable: offers below the framework\'s or the default minimum', () => {
  const a = new Allocator();
  a.addFramework({ id: 'picky', roles: ['a'], minAllocatable: { a: [{ cpus: 2, mem: 1024 }, { gpus: 1 }] } });
  a.addFramework({ id: 'easy', roles: ['b'] });
  a.addAgent(agent('crumbs').cpus(0.005).mem(16).build()); // below cpus 0.01 and below mem 32
  a.addAgent(agent('small').cpus(1).mem(4096).build());
  const cycle = a.allocate(0);
  // crumbs: picky ✗, easy ✗ (default minimum); small: picky ✗ (needs cpus 2 and mem 1024, or a gpu), easy takes
  assert.equal(brief(cycle), [[1, 'easy', 'b', 'small']]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, minAllocatable: 3 });
});

test('minAllocatable: the allocator-wide default can be set, or emptied', () => {
  const strict = new Allocator({ minAllocatable: [{ cpus: 2 }] });
  strict.addFramework({ id: 'f', roles: ['r'] });
  strict.addAgent(agent('one').cpus(1).mem(4096).build());
  strict.addAgent(agent('two').cpus(2).mem(64).build());
  const cycle = strict.allocate(0);
  assert.equal(who(cycle), ['f@two']);
  assert.is(cycle.passedOver.minAllocatable, 1);
  const lax = new Allocator({ minAllocatable: [] });
  lax.addFramework({ id: 'f', roles: ['r'] });
  lax.addAgent(agent('crumbs').cpus(0.005).mem(16).build());
  assert.equal(lax.allocate(0).offer(0).resources, [cpus(0.005), mem(16)]);
});

test('quotaLimit: the role\'s limit leaves too little to offer', () => {
  const a = new Allocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.setQuota('r', { limits: { cpus: 2 } });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(10).build());
  const cycle = a.allocate(0);
  // the agents tie (util 0) and come in the cycle's shuffle; whichever comes first:
  // 1st, 2nd: cpus:1 mem:10 each; 3rd: room 0 → q1 = mem:10 ≠ q0, below the minimum (cpus 0.01 or mem 32)
  assert.equal([...cycle].map((o) => [o.frameworkId, o.resources]), [
    ['f', [cpus(1), mem(10)]],
    ['f', [cpus(1), mem(10)]],
  ]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaLimit: 1 });
  const offered = offeredAgents(cycle);
  assert.is(new Set(offered).size, 2, 'two different agents');
  const third = ['ag1', 'ag2', 'ag3'].find((id) => !offered.includes(id))!;
  assert.equal(a.agent(third).free, [cpus(1), mem(10)], 'the third keeps all it has');
});

test('quotaHeadroom: what is left is held for another role\'s guarantee', () => {
  const a = new Allocator();
  a.setQuota('g', { guarantees: { cpus: 2 } }); // no framework in g
  a.addFramework({ id: 'f', roles: ['r'] });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(10).build());
  const cycle = a.allocate(0);
  // required cpus 2, available 3 → surplus 1. The agents tie (util 0); whichever the cycle's
  // shuffle puts first gives cpus:1 mem:10; then surplus 0:
  // the other two leave mem:10 only, below the minimum → quotaHeadroom (no limit cut anything)
  assert.equal([...cycle].map((o) => [o.frameworkId, o.resources]), [['f', [cpus(1), mem(10)]]]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 2 });
});

test('filter: refused resources are passed over until the filter expires', () => {
  const a = new Allocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(64).build());
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 60, now: 0 });
  const cycle = a.allocate(1_000);
  assert.is(cycle.length, 0);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, filter: 3 });
  assert.is(a.allocate(60_000).length, 3);
});

test('a scan restarts after each take and counts again', () => {
  const a = new Allocator();
  a.addFramework({ id: 'f1', roles: ['a'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(agent('ag').cpus(4).mem(64).with({ name: 'cpus', scalar: 4, revocable: true }).build());
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 100, now: 0 }); // f1 refuses all of ag
  a.addFramework({ id: 'f2', roles: ['b'] });
  const cycle = a.allocate(1_000);
  // scan 1: a = b = 0 → f1 filtered; b: f2 takes cpus:4 mem:64 (not the revocable cpus)
  // scan 2: a = 0 < b → f1 filtered again (revocable cpus:4 ⊆ refused); f2 strips the
  //         revocable cpus, nothing is left → minAllocatable. Nothing taken: the agent is done.
  assert.equal(brief(cycle), [[2, 'f2', 'b', 'ag']]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, filter: 2, minAllocatable: 1 });
});

test.run();
