// Quota: guarantees served in stage 1, limits and headroom in stage 2, and
// what counts as consumed (SEMANTICS.md, "Quota" and the two stages).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both } from './both.ts';
import { agent, brief, cpus, mem, NO_REJECTIONS, offeredAgents, revocable, throwsCode, tieOrder } from './builders.ts';

both('stage 1 serves a guarantee before DRF, up to the limit', (make) => {
  const a = make();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fz', roles: ['z'] });
  a.setQuota('z', { guarantees: { cpus: 4 }, limits: { cpus: 6 } });
  a.addAgent(agent('ag').cpus(10).mem(1000).build());
  const cycle = a.allocate(0);
  // without quota a (= 0, smaller name) would come first. Stage 1, z: unsatisfied cpus 4 → g = cpus:4
  //   add cpus = min(10 − 4, max(0, room 6 − 4)) = 2, then min(2, surplus 10 − 4 = 6) = 2
  //   add mem = min(1000, surplus 1000) = 1000 → cpus:6 mem:1000
  // stage 2: a = 0 < z = .6 → fa takes cpus:4; z's guarantee is met, so no headroom is kept
  assert.equal(brief(cycle), [
    [1, 'fz', 'z', 'ag'],
    [2, 'fa', 'a', 'ag'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(6), mem(1000)]);
  assert.equal(cycle.offer(1).resources, [cpus(4)]);
  assert.equal(cycle.passedOver, NO_REJECTIONS);
  assert.equal(a.role('z').consumedQuota, { cpus: 6, mem: 1000 });
});

both('stage 1 visits every agent before stage 2 begins', (make) => {
  const a = make();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fz', roles: ['z'] });
  a.setQuota('z', { guarantees: { cpus: 4 } });
  a.addAgent(agent('ag1').cpus(2).mem(100).build());
  a.addAgent(agent('ag2').cpus(2).mem(100).build());
  const cycle = a.allocate(0);
  // required headroom cpus 4 = available cpus 4 → surplus cpus 0, mem 200
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // stage 1, 1st: g = cpus:2, add mem = min(100, surplus 200) = 100; 2nd: unsatisfied 2 → g = cpus:2, mem:100
  // stage 2: nothing is left for fa, although DRF alone would have alternated
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'fz', 'z'],
    [2, 'fz', 'z'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(2), mem(100)]);
  assert.equal(cycle.offer(1).resources, [cpus(2), mem(100)]);
  assert.equal(a.role('z').consumedQuota, { cpus: 4, mem: 200 });
});

both('limits chop offers in stage 2', (make) => {
  const a = make();
  a.addFramework({ id: 'fo', roles: ['o'] });
  a.addFramework({ id: 'fu', roles: ['u'] });
  a.setQuota('o', { limits: { cpus: 5, mem: 300 } });
  a.addAgent(agent('ag1').cpus(10).mem(1000).build());
  a.addAgent(agent('ag2').cpus(2).mem(100).build());
  // ag1 and ag2 tie (util 0); cycle 1 visits ag1 first: shuffle(0, 1) = 0x11fd02eb < shuffle(1, 1) = 0xb19fea7c
  assert.equal(tieOrder({ ag1: 0, ag2: 1 }, 1), ['ag1', 'ag2']);
  const cycle = a.allocate(0);
  // cluster: cpus 12, mem 1100
  // ag1: o = u = 0 → fo: q0 = cpus:10 mem:1000, room cpus 5 mem 300 → cpus:5 mem:300
  //      u = 0 < o = max(5/12, 300/1100) = .417 → fu takes cpus:5 mem:700; ag1 is empty
  // ag2: o = .417 < u = max(5/12, 700/1100) = .636 → fo: room 0 → nothing → quotaLimit; fu takes it
  assert.equal(brief(cycle), [
    [1, 'fo', 'o', 'ag1'],
    [2, 'fu', 'u', 'ag1'],
    [3, 'fu', 'u', 'ag2'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(5), mem(300)]);
  assert.equal(cycle.offer(1).resources, [cpus(5), mem(700)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaLimit: 1 });
  assert.equal(a.role('o').limits, { cpus: 5, mem: 300 });
});

both('a limit on one resource chops that resource only, and the rescan counts as quotaLimit', (make) => {
  const a = make();
  a.addFramework({ id: 'fo', roles: ['o'] });
  a.setQuota('o', { limits: { cpus: 5 } });
  a.addAgent(agent('ag').cpus(10).mem(1000).build());
  const cycle = a.allocate(0);
  // q0 = cpus:10 mem:1000, room cpus 5 → cpus:5 mem:1000; again q0 = cpus:5, room 0 → quotaLimit
  assert.equal(cycle.offer(0).resources, [cpus(5), mem(1000)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaLimit: 1 });
});

both('an ancestor\'s limit binds its descendants', (make) => {
  const a = make();
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addFramework({ id: 'web', roles: ['eng/web'] });
  a.setQuota('eng', { limits: { cpus: 5 } });
  a.setQuota('eng/ml', { limits: { cpus: 10 } });
  a.addAgent(agent('ag1').cpus(4).mem(100).build());
  a.addAgent(agent('ag2').cpus(4).mem(100).build());
  const cycle = a.allocate(0);
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // 1st: ml = web = 0 → eng/ml: room min(eng 5, eng/ml 10) = 5 → cpus:4 mem:100
  // 2nd: web = 0 < ml → eng/web: room eng 5 − 4 = 1 → cpus:1 mem:100
  //      again: web (.25 < ml .5): room 0 → quotaLimit; ml: room min(0, 6) = 0 → quotaLimit
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'ml', 'eng/ml'],
    [2, 'web', 'eng/web'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(4), mem(100)]);
  assert.equal(cycle.offer(1).resources, [cpus(1), mem(100)]);
  assert.is(cycle.passedOver.quotaLimit, 2);
  assert.equal(a.role('eng').consumedQuota, { cpus: 5, mem: 200 });
  assert.equal(a.agent(cycle.offer(1).agentId).free, [cpus(3)]);
});

both('headroom is held back for unmet guarantees', (make) => {
  const a = make();
  a.setQuota('q', { guarantees: { cpus: 6 } }); // nobody in q yet
  a.addFramework({ id: 'fo', roles: ['o'] });
  a.addAgent(agent('ag1').cpus(4).mem(100).build());
  a.addAgent(agent('ag2').cpus(4).mem(100).build());
  const cycle = a.allocate(0);
  // required headroom cpus 6; available cpus 8, mem 200 → surplus cpus 2, mem 200
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // 1st: q0 = cpus:4 mem:100 → cpus:2 mem:100; again q0 = cpus:2, surplus 0 → empty → quotaHeadroom
  // 2nd: q0 = cpus:4 mem:100 → mem:100 (≥ the default minimum mem 32); again: cpus only → quotaHeadroom
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'fo', 'o'],
    [2, 'fo', 'o'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  const [first, second] = [cycle.offer(0).agentId, cycle.offer(1).agentId];
  assert.equal(cycle.offer(0).resources, [cpus(2), mem(100)]);
  assert.equal(cycle.offer(1).resources, [mem(100)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 2 });
  // the held-back cpus go to q once it has a framework. Stage 1: util ag1 = ag2 = 1 (mem), a tie
  // again; unsatisfied q = cpus 6 ≥ what either has free, so each gives q all its cpus, in either order
  a.addFramework({ id: 'fq', roles: ['q'] });
  const next = a.allocate(0);
  assert.equal(brief(next).map(([id, f, r]) => [id, f, r]), [
    [3, 'fq', 'q'],
    [4, 'fq', 'q'],
  ]);
  assert.equal(Object.fromEntries([...next].map((o) => [o.agentId, o.resources])), {
    [first]: [cpus(2)],
    [second]: [cpus(4)],
  });
  assert.equal(a.role('q').consumedQuota, { cpus: 6 });
});

both('consumedQuota: unreserved non-revocable holdings plus reservations in agents\' totals', (make) => {
  const a = make();
  a.addFramework({ id: 'ml', roles: ['eng/ml'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(
    agent('ag')
      .cpus(8)
      .cpus(2, 'eng/ml')
      .with(revocable(cpus(4)))
      .mem(100)
      .using('ml', 'eng/ml', cpus(1), revocable(cpus(1)), mem(10))
      .build(),
  );
  // eng/ml: used cpus 1 mem 10 (unreserved, not revocable) + its reservation cpus 2 (not allocated)
  assert.equal(a.role('eng/ml').consumedQuota, { cpus: 3, mem: 10 });
  assert.equal(a.role('eng').consumedQuota, { cpus: 3, mem: 10 }, 'the subtree counts');
  assert.equal(a.role('eng/ml').allocated, { cpus: 2, mem: 10 }, 'allocation includes the revocable cpu');
  assert.equal(a.role('ops').consumedQuota, {});
  // an offer counts too: ml takes cpus:7 mem:90, cpus(eng/ml):2 and the revocable cpus:3
  a.allocate(0);
  assert.equal(a.role('eng/ml').consumedQuota, { cpus: 10, mem: 100 });
  assert.equal(a.role('eng/ml').allocated, { cpus: 14, mem: 100 });
});

both('reservations count against a guarantee whether allocated or not', (make) => {
  const a = make();
  a.setQuota('eng', { guarantees: { cpus: 3 } });
  a.addAgent(agent('ag').cpus(8).cpus(2, 'eng/ml').mem(100).build());
  assert.equal(a.role('eng/ml').consumedQuota, { cpus: 2 });
  assert.equal(a.role('eng').consumedQuota, { cpus: 2 }); // the subtree's reservations
  assert.equal(a.role('ops').consumedQuota, {});
  a.addFramework({ id: 'ops', roles: ['ops'] });
  const cycle = a.allocate(0);
  // unsatisfied eng = cpus 3 − 2 = 1 → required headroom cpus 1; available cpus 8 → surplus 7
  // ops: q0 = cpus:8 mem:100 (eng/ml's cpus are not allocatable to ops) → cpus:7 mem:100
  //      again: q0 = cpus:1, surplus 0 → quotaHeadroom
  assert.equal(cycle.offer(0).resources, [cpus(7), mem(100)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 1 });
});

both('a nested guarantee is served in stage 1 and bounded by the parent', (make) => {
  const a = make();
  a.setQuota('eng', { guarantees: { cpus: 4 } });
  a.setQuota('eng/ml', { guarantees: { cpus: 3 } });
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addFramework({ id: 'aa', roles: ['aa'] });
  a.addAgent(agent('ag1').cpus(2).mem(100).build());
  a.addAgent(agent('ag2').cpus(2).mem(100).build());
  const cycle = a.allocate(0);
  // required headroom: top-level eng unsatisfied cpus 4; available cpus 4 → surplus cpus 0, mem 200
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // stage 1, 1st: eng/ml: g = cpus:2 (unsatisfied 3), add mem = min(100, surplus 200) = 100 → cpus:2 mem:100
  //          2nd: eng/ml unsatisfied 1 → g = cpus:1, add cpus = min(1, surplus (2 − 2) = 0) = 0
  //               add mem = min(100, 100) = 100 → cpus:1 mem:100
  // stage 2, 2nd: free cpus:1; eng still needs 4 − 3 = 1, surplus cpus 1 − 1 = 0:
  //               aa: q0 = cpus:1 → quotaHeadroom; eng/ml: q0 = cpus:1, surplus 0 → quotaHeadroom
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'ml', 'eng/ml'],
    [2, 'ml', 'eng/ml'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(2), mem(100)]);
  assert.equal(cycle.offer(1).resources, [cpus(1), mem(100)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 2 });
});

both('quota views: zero guarantees vanish, zero limits forbid, null clears', (make) => {
  const a = make();
  a.setQuota('eng', { guarantees: { cpus: 4, mem: 0 }, limits: { cpus: 8, gpus: 0 } });
  assert.equal(a.role('eng').guarantees, { cpus: 4 }); // a zero guarantee guarantees nothing
  assert.equal(a.role('eng').limits, { cpus: 8, gpus: 0 }); // a zero limit forbids
  a.setQuota('eng', null);
  assert.equal(a.role('eng').guarantees, {});
  assert.equal(a.role('eng').limits, {});
  assert.equal(a.role('never/used'), {
    name: 'never/used',
    weight: 1,
    guarantees: {},
    limits: {},
    allocated: {},
    subtreeAllocated: {},
    consumedQuota: {},
    share: 0,
  });
});

both('inconsistent quotas are refused', (make) => {
  const a = make();
  throwsCode(() => a.setQuota('eng', { guarantees: { cpus: 5 }, limits: { cpus: 4 } }), 'ERR_INVALID_QUOTA');
  throwsCode(() => a.setQuota('eng/ml', { guarantees: { cpus: 1 } }), 'ERR_INVALID_QUOTA'); // eng guarantees nothing
  a.setQuota('eng', { guarantees: { cpus: 4 } });
  a.setQuota('eng/ml', { guarantees: { cpus: 3 } });
  throwsCode(() => a.setQuota('eng/web', { guarantees: { cpus: 2 } }), 'ERR_INVALID_QUOTA'); // 3 + 2 > 4
  a.setQuota('eng/web', { guarantees: { cpus: 1 } });
  throwsCode(() => a.setQuota('eng', { guarantees: { cpus: 3 } }), 'ERR_INVALID_QUOTA'); // children hold 4
  throwsCode(() => a.setQuota('eng', null), 'ERR_INVALID_QUOTA');
  throwsCode(() => a.setQuota('*', { limits: { cpus: 1 } }), 'ERR_INVALID_QUOTA');
  throwsCode(() => a.setQuota('eng', { guarantees: { cpus: -1 } }), 'ERR_INVALID_RESOURCE');
  throwsCode(() => a.setQuota('eng', { limits: { ports: 10 } }), 'ERR_INVALID_RESOURCE');
  throwsCode(() => a.setQuota('eng//x', { limits: { cpus: 1 } }), 'ERR_INVALID_ROLE');
  assert.equal(a.role('eng').guarantees, { cpus: 4 });
});

test.run();
