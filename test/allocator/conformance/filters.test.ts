// Filters: what decline, accept and recover refuse, for how long, and what
// revive and suppress do to them (SEMANTICS.md, "Operations"). Time is always
// given explicitly: a filter made at `now` for `s` seconds is active while
// `now' < now + s × 1000`.

import type { AllocatorApi } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both, type Make } from './both.ts';
import { agent, brief, cpus, mem, NO_REJECTIONS, offeredAgents, who } from './builders.ts';

function oneAgent(make: Make): AllocatorApi {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(4096).build());
  return a;
}

both('a declined offer is filtered until the filter expires', (make) => {
  const a = oneAgent(make);
  const first = a.allocate(1_000);
  a.decline(first.offerIds, { refuseSeconds: 10, now: 1_000 }); // expires at 1 000 + 10 000 = 11 000 ms
  assert.equal(a.agent('ag').free, [cpus(4), mem(4096)], 'declined resources are free again');
  const during = a.allocate(10_999);
  assert.is(during.length, 0);
  assert.equal(during.passedOver, { ...NO_REJECTIONS, filter: 1 });
  assert.is(a.stats().filters, 1);
  const after = a.allocate(11_000); // expiresAt > now no longer holds
  assert.equal(brief(after), [[2, 'f', 'r', 'ag']]);
  assert.equal(after.passedOver, NO_REJECTIONS);
});

both('decline refuses for 5 seconds by default', (make) => {
  const a = oneAgent(make);
  a.decline(a.allocate(0).offerIds, { now: 0 });
  assert.is(a.allocate(4_999).passedOver.filter, 1);
  assert.is(a.allocate(5_000).length, 1);
});

both('refuseSeconds 0 makes no filter, Infinity one that never expires', (make) => {
  const a = oneAgent(make);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 0, now: 0 });
  assert.is(a.stats().filters, 0);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  assert.is(a.stats().filters, 1);
  const late = a.allocate(Number.MAX_SAFE_INTEGER);
  assert.is(late.length, 0);
  assert.is(late.passedOver.filter, 1);
});

both('a filter refuses only what was refused, or less', (make) => {
  const a = oneAgent(make);
  a.addFramework({ id: 'other', roles: ['o'] });
  a.suppress('other');
  const [offer] = a.allocate(0);
  // f keeps 1 cpu and refuses the rest: cpus:3 mem:4096 for 100 s
  a.accept(offer!.id, [cpus(1)], { refuseSeconds: 100, now: 0 });
  assert.equal(a.agent('ag').free, [cpus(3), mem(4096)]);
  assert.is(a.allocate(1).passedOver.filter, 1); // free cpus:3 mem:4096 ⊆ refused
  a.recover('f', 'ag', 'r', [cpus(1)], { now: 2 }); // free cpus:4 mem:4096 ⊄ refused
  const cycle = a.allocate(3);
  assert.equal(brief(cycle), [[2, 'f', 'r', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), mem(4096)]);
});

both('accepting everything leaves nothing to filter', (make) => {
  const a = oneAgent(make);
  a.accept(a.allocate(0).offerIds, [cpus(4), mem(4096)], { refuseSeconds: 100, now: 0 });
  assert.is(a.stats().filters, 0);
  assert.equal(a.agent('ag').free, []);
});

both('filters are per framework and role', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r1', 'r2'] });
  a.addAgent(agent('ag').cpus(4).mem(4096).build());
  const [offer] = a.allocate(0);
  assert.is(offer!.role, 'r1'); // r1 < r2 at equal shares
  a.decline(offer!.id, { refuseSeconds: 60, now: 0 });
  const cycle = a.allocate(1);
  // r1: f filtered (1); r2: f takes
  assert.equal(brief(cycle), [[2, 'f', 'r2', 'ag']]);
  assert.is(cycle.passedOver.filter, 1);
  a.addFramework({ id: 'g', roles: ['r1'] });
  a.rescind(2);
  // r1: f = g = 0 → f filtered, then g takes; the filter was f's alone
  assert.equal(who(a.allocate(2)), ['g@ag']);
});

both('revive drops the filters of the revived roles and unsuppresses them', (make) => {
  const a = make();
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
  assert.is(a.stats().filters, 2);
  a.suppress('f', ['r2']);
  assert.equal(a.framework('f').suppressedRoles, ['r2']);
  assert.equal(a.roleOrder(), ['r1']);
  a.revive('f', ['r1']);
  assert.is(a.stats().filters, 1, 'the r1 filter is gone, the r2 one stays');
  assert.equal(a.framework('f').suppressedRoles, ['r2'], 'reviving r1 leaves r2 suppressed');
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
  assert.equal(a.roleOrder(), ['r1', 'r2']);
});

both('suppress without roles suppresses every subscribed role', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r1', 'r2'] });
  a.addAgent(agent('ag').cpus(1).mem(100).build());
  a.suppress('f');
  assert.equal(a.framework('f').suppressedRoles, ['r1', 'r2']);
  assert.equal(a.roleOrder(), []);
  assert.is(a.allocate(0).length, 0);
  a.revive('f', ['r2']);
  assert.equal(who(a.allocate(0)), ['f@ag']);
  assert.is(a.offer(1)!.role, 'r2');
});

both('suppressed roles and inactive frameworks get no offers', (make) => {
  const a = oneAgent(make);
  a.suppress('f');
  assert.equal(a.roleOrder(), []);
  assert.is(a.allocate(0).length, 0);
  a.revive('f');
  a.deactivateFramework('f');
  assert.is(a.allocate(0).length, 0);
  a.activateFramework('f');
  assert.is(a.allocate(0).length, 1);
});

both('recover can refuse what it returns', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(1024).using('f', 'r', cpus(4), mem(1024)).build());
  assert.is(a.allocate(0).length, 0);
  a.recover('f', 'ag', 'r', [cpus(2), mem(512)], { refuseSeconds: 10, now: 0 });
  assert.equal(a.agent('ag').used, [{ frameworkId: 'f', role: 'r', resources: [cpus(2), mem(512)] }]);
  assert.equal(a.agent('ag').free, [cpus(2), mem(512)]);
  assert.is(a.allocate(5_000).passedOver.filter, 1);
  assert.is(a.allocate(9_999).passedOver.filter, 1);
  assert.equal(a.allocate(10_000).offer(0).resources, [cpus(2), mem(512)]);
  a.recover('f', 'ag', 'r', [cpus(2), mem(512)]);
  assert.equal(a.agent('ag').used, [], 'empty used entries are omitted');
  // recover refuses nothing by default
  const b = make();
  b.addFramework({ id: 'f', roles: ['r'] });
  b.addAgent(agent('ag').cpus(4).mem(1024).using('f', 'r', cpus(4), mem(1024)).build());
  b.recover('f', 'ag', 'r', [cpus(4), mem(1024)], { now: 0 });
  assert.is(b.stats().filters, 0);
  assert.equal(b.agent('ag').used, [], 'an emptied used entry disappears');
  assert.equal(who(b.allocate(0)), ['f@ag']);
});

both('removing the agent or framework drops its filters; a new total too', (make) => {
  const a = oneAgent(make);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  assert.equal(a.updateAgent('ag', { hostname: 'renamed' }), []);
  assert.is(a.stats().filters, 1, 'a new hostname keeps filters');
  a.updateAgent('ag', { resources: [cpus(4), mem(4096)] });
  assert.is(a.stats().filters, 0, 'a new total drops them');
  a.decline(a.allocate(0).offerIds, { refuseSeconds: Infinity, now: 0 });
  a.removeAgent('ag');
  assert.is(a.stats().filters, 0);
});

both('stats() counts filters until an allocate() finds them expired', (make) => {
  const a = oneAgent(make);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 5, now: 0 }); // expires at 5 000
  assert.is(a.stats().filters, 1);
  a.allocate(4_999);
  assert.is(a.stats().filters, 1, 'still active at 4 999');
  a.allocate(5_000);
  assert.is(a.stats().filters, 0, 'expired at 5 000');
  a.allocate(4_999); // the clock never goes back: still 5 000, still expired
  assert.is(a.stats().filters, 0);
});

both('the cycle clock never goes back: an expired filter stays expired', (make) => {
  const a = oneAgent(make);
  a.decline(a.allocate(0).offerIds, { refuseSeconds: 5, now: 0 }); // expires at 5 000
  assert.is(a.allocate(5_000).length, 1);
  a.rescind(2);
  // 4 999 is before the last cycle's 5 000: the cycle runs at 5 000
  const stepped = a.allocate(4_999);
  assert.equal(brief(stepped), [[3, 'f', 'r', 'ag']]);
  assert.is(stepped.passedOver.filter, 0);
  assert.is(a.stats().filters, 0);
});

both('an identical filter is kept once', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(64).using('f', 'r', cpus(4), mem(64)).build());
  a.recover('f', 'ag', 'r', [cpus(1)], { refuseSeconds: 60, now: 0 });
  a.recover('f', 'ag', 'r', [cpus(1)], { refuseSeconds: 60, now: 0 }); // the same (f, r, ag, cpus:1, 60 000)
  assert.is(a.stats().filters, 1);
  a.recover('f', 'ag', 'r', [cpus(1)], { refuseSeconds: 30, now: 0 }); // expires at 30 000: another
  assert.is(a.stats().filters, 2);
  // free cpus:3 is not within either filter's cpus:1
  assert.equal(a.allocate(1).offer(0).resources, [cpus(3)]);
});

test.run();
