// passedOver: every candidate (agent, role, framework) that stage 2 passes
// over adds one to the counter of the first check it fails (SEMANTICS.md,
// "Stage 2 — everyone"). One scenario per reason, with the exact count; and
// what makes a resource allocatable to a framework at all (revocable,
// reserved), which is no rejection.

import type { Constraint, ConstraintGroups } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both, type Make } from './both.ts';
import { agent, brief, cpus, gpus, mem, NO_REJECTIONS, offeredAgents, revocable, throwsCode, who } from './builders.ts';

const zoneIs = (value: string): Constraint => ({ attribute: 'zone', op: 'equals', value });
const on = (attribute: string, op: Constraint['op'], value?: string): Constraint =>
  value === undefined ? { attribute, op } : { attribute, op, value };

/**
 * The agents offered to f under these constraint groups, in addAgent order (they
 * tie at util 0, so the cycle visits them in its shuffle), and how many were
 * passed over for constraints.
 */
function offeredTo(make: Make, groups: ConstraintGroups): [string[], number] {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'], offerConstraints: { r: groups } });
  a.addAgent(agent('us1').hostname('node-1.us').attr('zone', 'us-1').attr('rack', 3).cpus(1).mem(64).build());
  a.addAgent(agent('us2').hostname('node-2.us').attr('zone', 'us-2').attr('rack', 2.5).cpus(1).mem(64).build());
  a.addAgent(agent('eu1').hostname('node-1.eu').attr('zone', 'eu-1').cpus(1).mem(64).build());
  const cycle = a.allocate(0);
  const added = ['us1', 'us2', 'eu1'];
  return [[...cycle].map((o) => o.agentId).sort((x, y) => added.indexOf(x) - added.indexOf(y)), cycle.passedOver.constraint];
}

both('constraint: agents outside the framework\'s constraints', (make) => {
  const a = make();
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

both('constraint: ops on text and scalar attributes', (make) => {
  assert.equal(offeredTo(make, [[on('zone', 'equals', 'us-1')]]), [['us1'], 2]);
  assert.equal(offeredTo(make, [[on('zone', 'notEquals', 'us-1')]]), [['us2', 'eu1'], 1]);
  assert.equal(offeredTo(make, [[on('zone', 'matches', 'us-.*')]]), [['us1', 'us2'], 1]);
  assert.equal(offeredTo(make, [[on('zone', 'matches', 'us')]]), [[], 3], 'the whole text must match');
  assert.equal(offeredTo(make, [[on('zone', 'notMatches', 'us-.*')]]), [['eu1'], 2]);
  // scalar attributes compare as canonical decimals: 3 → "3", 2.5 → "2.5"
  assert.equal(offeredTo(make, [[on('rack', 'equals', '3')]]), [['us1'], 2]);
  assert.equal(offeredTo(make, [[on('rack', 'equals', '2.5')]]), [['us2'], 2], 'scalars compare as canonical decimals');
  assert.equal(offeredTo(make, [[on('rack', 'matches', '2\\.5')]]), [['us2'], 2]);
});

both('constraint: a missing attribute fails exists and equals, holds their negations', (make) => {
  assert.equal(offeredTo(make, [[on('rack', 'exists')]]), [['us1', 'us2'], 1]);
  assert.equal(offeredTo(make, [[on('rack', 'notExists')]]), [['eu1'], 2]);
  assert.equal(offeredTo(make, [[on('rack', 'notEquals', '3')]]), [['us2', 'eu1'], 1], 'missing ≠ 3');
  assert.equal(offeredTo(make, [[on('rack', 'notMatches', '.*')]]), [['eu1'], 2]);
});

both('constraint: regexes, hostnames, AND inside a group, OR between groups', (make) => {
  const usRack3 = [on('zone', 'matches', 'us-.*'), on('rack', 'equals', '3')];
  assert.equal(offeredTo(make, [usRack3]), [['us1'], 2]);
  assert.equal(offeredTo(make, [usRack3, [{ hostname: true, op: 'matches', value: '.*\\.eu' }]]), [['us1', 'eu1'], 1]);
  assert.equal(offeredTo(make, []), [['us1', 'us2', 'eu1'], 0], 'no groups: every agent');
  assert.equal(offeredTo(make, [[]]), [['us1', 'us2', 'eu1'], 0], 'an empty group holds everywhere');
});

both('constraint: malformed constraints are refused', (make) => {
  const a = make();
  const add = (c: unknown) => () => a.addFramework({ id: 'f', roles: ['r'], offerConstraints: { r: [[c as Constraint]] } });
  throwsCode(add({ attribute: 'zone', op: 'matches', value: '(' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', op: 'near', value: 'x' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', op: 'equals' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', hostname: true, op: 'exists' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ op: 'exists' }), 'ERR_INVALID_CONSTRAINT');
  assert.is(a.stats().frameworks, 0);
});

both('gpu: GPU agents are kept for frameworks with GPU_RESOURCES', (make) => {
  const a = make();
  a.addFramework({ id: 'cpu1', roles: ['a'] });
  a.addFramework({ id: 'cpu2', roles: ['b'] });
  a.addAgent(agent('gpu').cpus(4).mem(1024).gpus(1).build());
  const refused = a.allocate(0);
  assert.is(refused.length, 0);
  assert.equal(refused.passedOver, { ...NO_REJECTIONS, gpu: 2 });
  a.addFramework({ id: 'ml', roles: ['c'], capabilities: ['GPU_RESOURCES'] });
  const cycle = a.allocate(0);
  // a = b = c = 0: cpu1 and cpu2 are passed over (gpu), then ml takes everything
  assert.equal(brief(cycle), [[1, 'ml', 'c', 'gpu']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), gpus(1), mem(1024)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, gpu: 2 });
});

both('minAllocatable: offers below the framework\'s or the default minimum', (make) => {
  const a = make();
  a.addFramework({ id: 'picky', roles: ['a'], minAllocatable: { a: [{ cpus: 2, mem: 1024 }, { gpus: 1 }] } });
  a.addFramework({ id: 'easy', roles: ['b'] });
  a.addAgent(agent('crumbs').cpus(0.005).mem(16).build()); // below cpus 0.01 and below mem 32
  a.addAgent(agent('small').cpus(1).mem(4096).build());
  const cycle = a.allocate(0);
  // crumbs: picky → minAllocatable, easy → minAllocatable (default minimum)
  // small: picky → minAllocatable (needs cpus 2 and mem 1024, or a gpu); easy takes it
  assert.equal(brief(cycle), [[1, 'easy', 'b', 'small']]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, minAllocatable: 3 });
});

both('minAllocatable: the allocator-wide default can be set, or emptied', (make) => {
  const strict = make({ minAllocatable: [{ cpus: 2 }] });
  strict.addFramework({ id: 'f', roles: ['r'] });
  strict.addAgent(agent('one').cpus(1).mem(4096).build());
  strict.addAgent(agent('two').cpus(2).mem(64).build());
  const cycle = strict.allocate(0);
  assert.equal(who(cycle), ['f@two']);
  assert.is(cycle.passedOver.minAllocatable, 1);
  // an empty minimum accepts any non-empty offer
  const lax = make({ minAllocatable: [] });
  lax.addFramework({ id: 'f', roles: ['r'] });
  lax.addAgent(agent('crumbs').cpus(0.005).mem(16).build());
  assert.equal(lax.allocate(0).offer(0).resources, [cpus(0.005), mem(16)]);
});

both('quotaLimit: the role\'s limit leaves too little to offer', (make) => {
  const a = make();
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

both('quotaHeadroom: what is left is held for another role\'s guarantee', (make) => {
  const a = make();
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

both('filter: refused resources are passed over until the filter expires', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(64).build());
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 60, now: 0 });
  const cycle = a.allocate(1_000);
  assert.is(cycle.length, 0);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, filter: 3 });
  assert.is(a.allocate(60_000).length, 3);
});

both('a scan restarts after each take and counts again', (make) => {
  const a = make();
  a.addFramework({ id: 'f1', roles: ['a'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(agent('ag').cpus(4).mem(64).with(revocable(cpus(4))).build());
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 100, now: 0 }); // f1 refuses all of ag
  a.addFramework({ id: 'f2', roles: ['b'] });
  const cycle = a.allocate(1_000);
  // scan 1: a = b = 0 → f1 filtered; b: f2 takes cpus:4 mem:64 (not the revocable cpus)
  // scan 2: a = 0 < b → f1 filtered again (revocable cpus:4 ⊆ refused); f2 strips the
  //         revocable cpus, nothing is left → minAllocatable. Nothing taken: the agent is done.
  assert.equal(brief(cycle), [[2, 'f2', 'b', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), mem(64)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, filter: 2, minAllocatable: 1 });
});

both('revocable resources only go to frameworks that accept them', (make) => {
  const a = make();
  a.addFramework({ id: 'plain', roles: ['a'] });
  a.addFramework({ id: 'oversub', roles: ['b'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(agent('ag').cpus(1).mem(64).with(revocable(cpus(8))).build());
  const cycle = a.allocate(0);
  // scan 1: a = b = 0 → plain gets cpus:1 mem:64 (revocable stripped)
  // scan 2: b = 0 < a → oversub gets the revocable cpus:8
  assert.equal(brief(cycle), [
    [1, 'plain', 'a', 'ag'],
    [2, 'oversub', 'b', 'ag'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(1), mem(64)]);
  assert.equal(cycle.offer(1).resources, [revocable(cpus(8))]);
});

both('reserved resources go only to their role and its descendants', (make) => {
  const a = make();
  a.addFramework({ id: 'ops', roles: ['ops'] });
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addAgent(agent('ag').cpus(2, 'eng').mem(64, 'eng').build());
  a.addAgent(agent('zz').cpus(2, 'zz').mem(64, 'zz').build());
  const cycle = a.allocate(0);
  // ag: eng (subtree) = ops = 0, path "eng" < "ops" → eng/ml takes eng's reservation
  // zz: nothing is allocatable to eng/ml or ops: both roles are skipped, uncounted
  assert.equal(brief(cycle), [[1, 'ml', 'eng/ml', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(2, 'eng'), mem(64, 'eng')]);
  assert.equal(cycle.passedOver, NO_REJECTIONS);
});

test.run();
