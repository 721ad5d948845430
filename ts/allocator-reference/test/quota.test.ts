import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceAllocator } from '../src/index.js';
import { agent, brief, cpus, mem, offeredAgents, throwsCode } from './builders.js';

const NO_REJECTIONS = { filter: 0, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 0, gpu: 0 };

test('stage 1 serves a guarantee before DRF, up to the limit', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fq', roles: ['q'] });
  a.setQuota('q', { guarantees: { cpus: 4 }, limits: { cpus: 6 } });
  a.addAgent(agent('ag').cpus(10).mem(1000).build());
  const cycle = a.allocate(0);
  // stage 1, q: unsatisfied cpus = 4, g = cpus:4
  //   add cpus = min(10 − 4, max(0, room 6 − 4)) = 2, then min(2, surplus 10 − 4 = 6) = 2
  //   add mem = min(1000, surplus 1000) = 1000 → cpus:6 mem:1000
  // stage 2: a = 0 < q = .6 → fa takes cpus:4; no guarantee is unmet, so no headroom is kept
  assert.equal(brief(cycle), [
    [1, 'fq', 'q', 'ag'],
    [2, 'fa', 'a', 'ag'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(6), mem(1000)]);
  assert.equal(cycle.offer(1).resources, [cpus(4)]);
  assert.equal(cycle.passedOver, NO_REJECTIONS);
  assert.equal(a.role('q').consumedQuota, { cpus: 6, mem: 1000 });
});

test('stage 2 keeps headroom for unmet guarantees', () => {
  const a = new ReferenceAllocator();
  a.setQuota('q', { guarantees: { cpus: 12 } }); // nobody in q takes it up
  a.addFramework({ id: 'fo', roles: ['o'] });
  a.addAgent(agent('ag1').cpus(10).mem(1000).build());
  a.addAgent(agent('ag2').cpus(10).mem(1000).build());
  const cycle = a.allocate(0);
  // required headroom cpus = 12; available cpus = 20, mem = 2000
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // 1st: q0 = cpus:10 mem:1000, surplus cpus = 20 − 12 = 8 → cpus:8 mem:1000
  //      again: q0 = cpus:2, surplus cpus = 12 − 12 = 0 → empty → quotaHeadroom
  // 2nd: surplus cpus 0, mem = 1000 → mem:1000; again: cpus only → quotaHeadroom
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'fo', 'o'],
    [2, 'fo', 'o'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(8), mem(1000)]);
  assert.equal(cycle.offer(1).resources, [mem(1000)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 2 });
});

test('limits cap stage 2 and are counted as quotaLimit', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'fo', roles: ['o'] });
  a.setQuota('o', { limits: { cpus: 5 } });
  a.addAgent(agent('ag').cpus(10).mem(1000).build());
  const cycle = a.allocate(0);
  // q0 = cpus:10 mem:1000, room cpus 5 → cpus:5 mem:1000; again q0 = cpus:5, room 0 → quotaLimit
  assert.equal(cycle.offer(0).resources, [cpus(5), mem(1000)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaLimit: 1 });
});

test('an ancestor\'s limit binds its descendants', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addFramework({ id: 'web', roles: ['eng/web'] });
  a.setQuota('eng', { limits: { cpus: 6 } });
  a.setQuota('eng/ml', { limits: { cpus: 10 } });
  a.addAgent(agent('ag1').cpus(4).mem(100).build());
  a.addAgent(agent('ag2').cpus(4).mem(100).build());
  const cycle = a.allocate(0);
  // ag1 and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // 1st: ml = web = 0 → eng/ml: room min(6, 10) = 6 → cpus:4 mem:100
  // 2nd: web = 0 < ml → eng/web: room eng 6 − 4 = 2 → cpus:2 mem:100
  //      again: web, room 0 → quotaLimit; ml, room min(0, 6) = 0 → quotaLimit
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'ml', 'eng/ml'],
    [2, 'web', 'eng/web'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(4), mem(100)]);
  assert.equal(cycle.offer(1).resources, [cpus(2), mem(100)]);
  assert.equal(cycle.passedOver.quotaLimit, 2);
  assert.equal(a.role('eng').consumedQuota, { cpus: 6, mem: 200 });
});

test('reservations count against quota whether allocated or not', () => {
  const a = new ReferenceAllocator();
  a.setQuota('eng', { guarantees: { cpus: 3 } });
  a.addAgent(agent('ag').cpus(8).cpus(2, 'eng/ml').mem(100).build());
  assert.equal(a.role('eng/ml').consumedQuota, { cpus: 2 });
  assert.equal(a.role('eng').consumedQuota, { cpus: 2 }); // the subtree's reservations
  assert.equal(a.role('ops').consumedQuota, {});
  a.addFramework({ id: 'ops', roles: ['ops'] });
  const cycle = a.allocate(0);
  // unsatisfied eng = cpus 3 − 2 = 1 → required headroom cpus 1; available cpus 8 → surplus 7
  // ops: q0 = cpus:8 mem:100 (eng/ml's cpus are not allocatable to ops) → cpus:7 mem:100
  assert.equal(cycle.offer(0).resources, [cpus(7), mem(100)]);
  assert.equal(cycle.passedOver.quotaHeadroom, 1);
});

test('a nested guarantee is served in stage 1 and bounded by the parent', () => {
  const a = new ReferenceAllocator();
  a.setQuota('eng', { guarantees: { cpus: 4 } });
  a.setQuota('eng/ml', { guarantees: { cpus: 3 } });
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addFramework({ id: 'aa', roles: ['aa'] });
  a.addAgent(agent('ag').cpus(2).mem(100).build());
  a.addAgent(agent('ag2').cpus(2).mem(100).build());
  const cycle = a.allocate(0);
  // ag and ag2 tie (util 0); whichever the cycle's shuffle puts first:
  // stage 1, 1st: eng/ml: g = cpus:2 (unsatisfied 3); add mem = min(100, surplus 200) → cpus:2 mem:100
  //          2nd: eng/ml unsatisfied 1 → g = cpus:1; add cpus = min(1, surplus (2 − 2) = 0) = 0
  //               add mem = min(100, 100) → cpus:1 mem:100
  // stage 2, 2nd: aa: q0 = cpus:1, required headroom cpus 4 − 3 = 1, surplus cpus 1 − 1 = 0 → quotaHeadroom
  //               eng/ml: q0 = cpus:1, surplus 0 → quotaHeadroom
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'ml', 'eng/ml'],
    [2, 'ml', 'eng/ml'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag', 'ag2']);
  assert.equal(cycle.offer(0).resources, [cpus(2), mem(100)]);
  assert.equal(cycle.offer(1).resources, [cpus(1), mem(100)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, quotaHeadroom: 2 });
});

test('quota views', () => {
  const a = new ReferenceAllocator();
  a.setQuota('eng', { guarantees: { cpus: 4, mem: 0 }, limits: { cpus: 8, gpus: 0 } });
  const view = a.role('eng');
  assert.equal(view.guarantees, { cpus: 4 }); // a zero guarantee guarantees nothing
  assert.equal(view.limits, { cpus: 8, gpus: 0 }); // a zero limit forbids
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

test('inconsistent quotas are refused', () => {
  const a = new ReferenceAllocator();
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
