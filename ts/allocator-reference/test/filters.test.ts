import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceAllocator } from '../src/index.js';
import { agent, brief, cpus, mem, offeredAgents, revocable } from './builders.js';

function oneAgent(): ReferenceAllocator {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(4096).build());
  return a;
}

test('a declined offer is filtered until the filter expires', () => {
  const a = oneAgent();
  const first = a.allocate(0);
  a.decline(first.offerIds, { refuseSeconds: 10, now: 0 }); // expires at 10 000 ms
  const during = a.allocate(9_999);
  assert.is(during.length, 0);
  assert.is(during.passedOver.filter, 1);
  assert.is(a.stats().filters, 1);
  const after = a.allocate(10_000); // expiresAt > now no longer holds
  assert.equal(brief(after), [[2, 'f', 'r', 'ag']]);
  assert.is(after.passedOver.filter, 0);
});

test('refuseSeconds 0 makes no filter, Infinity one that never expires', () => {
  const a = oneAgent();
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 0, now: 0 });
  assert.is(a.stats().filters, 0);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  assert.is(a.allocate(Number.MAX_SAFE_INTEGER).length, 0);
});

test('a filter covers subsets of what was refused, not more', () => {
  const a = oneAgent();
  a.addFramework({ id: 'g', roles: ['other'] });
  a.suppress('g');
  const [offer] = a.allocate(0);
  // f accepts 1 cpu and refuses the rest: cpus:3, mem:4096
  a.accept(offer!.id, [cpus(1)], { refuseSeconds: 100, now: 0 });
  assert.is(a.allocate(1).passedOver.filter, 1); // free = cpus:3 mem:4096 ⊆ refused
  a.recover('f', 'ag', 'r', [cpus(1)], { now: 2 }); // free = cpus:4 mem:4096 ⊄ refused
  assert.equal(brief(a.allocate(3)), [[2, 'f', 'r', 'ag']]);
});

test('filters are per role', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r1', 'r2'] });
  a.addAgent(agent('ag').cpus(4).mem(4096).build());
  const [offer] = a.allocate(0);
  assert.is(offer!.role, 'r1'); // r1 < r2 at equal shares
  a.decline(offer!.id, { now: 0 });
  assert.equal(brief(a.allocate(1)), [[2, 'f', 'r2', 'ag']]);
});

test('revive drops the filters of the revived roles and unsuppresses them', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r1', 'r2'] });
  a.addAgent(agent('ag1').cpus(1).mem(100).build());
  a.addAgent(agent('ag2').cpus(1).mem(100).build());
  const offers = a.allocate(0);
  // the agents tie (util 0): the first visited goes to r1 (r1 = r2 = 0, by name), the other to r2 (r2 = 0 < r1)
  assert.equal(brief(offers).map(([id, f, r]) => [id, f, r]), [
    [1, 'f', 'r1'],
    [2, 'f', 'r2'],
  ]);
  assert.equal(offeredAgents(offers), ['ag1', 'ag2']);
  a.decline(offers.offerIds, { refuseSeconds: Infinity, now: 0 });
  a.suppress('f', ['r2']);
  assert.equal(a.framework('f').suppressedRoles, ['r2']);
  assert.is(a.stats().filters, 2);
  a.revive('f', ['r1']);
  assert.is(a.stats().filters, 1);
  // r1 sees both agents again, the one it declined included; r2 is suppressed
  const again = a.allocate(1);
  assert.equal(brief(again).map(([id, f, r]) => [id, f, r]), [
    [3, 'f', 'r1'],
    [4, 'f', 'r1'],
  ]);
  assert.equal(offeredAgents(again), ['ag1', 'ag2']);
  a.rescind([3, 4]);
  a.revive('f');
  assert.equal(a.framework('f').suppressedRoles, []);
  assert.is(a.stats().filters, 0);
});

test('suppressed roles and inactive frameworks get no offers', () => {
  const a = oneAgent();
  a.suppress('f');
  assert.equal(a.roleOrder(), []);
  assert.is(a.allocate(0).length, 0);
  a.revive('f');
  a.deactivateFramework('f');
  assert.is(a.allocate(0).length, 0);
  a.activateFramework('f');
  assert.is(a.allocate(0).length, 1);
});

test('removing the agent or framework drops its filters; a new total too', () => {
  const a = oneAgent();
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  assert.equal(a.updateAgent('ag', { hostname: 'renamed' }), []);
  assert.is(a.stats().filters, 1, 'a new hostname keeps filters');
  a.updateAgent('ag', { resources: [cpus(4), mem(4096)] });
  assert.is(a.stats().filters, 0, 'a new total drops them');
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  a.removeAgent('ag');
  assert.is(a.stats().filters, 0);
});

test('stats counts the filters active at the last allocate()', () => {
  const a = oneAgent();
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 5, now: 0 }); // expires at 5000
  assert.is(a.stats().filters, 1);
  a.allocate(5_000);
  assert.is(a.stats().filters, 0);
  a.allocate(4_999); // the clock never goes back: still 5000, still expired
  assert.is(a.stats().filters, 0);
});

test('a scan restarts after each take, re-counting rejections', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f1', roles: ['a'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(agent('ag').cpus(4).mem(64).with(revocable(cpus(4))).build());
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 100, now: 0 }); // f1 refuses all of ag
  a.addFramework({ id: 'f2', roles: ['b'] });
  const cycle = a.allocate(1_000);
  // scan 1: a = b = 0 → f1 filtered; b: f2 takes cpus:4 mem:64 (not the revocable cpus)
  // scan 2: a = 0 < b → f1 filtered again (revocable cpus:4 ⊆ refused); b: f2 strips
  //         revocable resources, nothing is left → minAllocatable. Nothing taken: done.
  assert.equal(brief(cycle), [[2, 'f2', 'b', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), mem(64)]);
  assert.equal(cycle.passedOver, { filter: 2, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 1, gpu: 0 });
});

test.run();
