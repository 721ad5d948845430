import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceAllocator } from '../src/index.js';
import { agent, brief, cpus, mem, offeredAgents, ports } from './builders.js';

test('offer ids count up from 1 and are never reused', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag1').cpus(1).mem(64).build());
  a.addAgent(agent('ag2').cpus(1).mem(64).build());
  const first = a.allocate(0);
  assert.equal([...first.offerIds], [1, 2]);
  assert.is(first.length, 2);
  a.rescind(first.offerIds);
  assert.is(a.offer(1), undefined);
  assert.equal([...a.allocate(0).offerIds], [3, 4]);
});

test('accept: used stays allocated, the rest returns', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(1024).with(ports([100, 109])).build());
  const [offer] = a.allocate(0);
  a.accept([offer!.id], [cpus(1), mem(256), ports([100, 100])], { refuseSeconds: 0, now: 0 });
  assert.is(a.stats().offers, 0);
  assert.equal(a.framework('f').allocated, { r: { cpus: 1, mem: 256 } });
  assert.equal(a.agent('ag').free, [cpus(3), mem(768), ports([101, 109])]);
  // the rest is offered again at once: refuseSeconds 0 made no filter
  assert.equal(a.allocate(0).offer(0).resources, [cpus(3), mem(768), ports([101, 109])]);
});

test('accepting several offers of one agent', () => {
  const a = new ReferenceAllocator({ minAllocatable: [{ cpus: 1 }] });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(2).mem(64).build());
  const [first] = a.allocate(0);
  a.decline(first!.id, { refuseSeconds: 0 });
  a.addAgent(agent('other').cpus(1).build());
  const offers = a.allocate(0);
  // binpack order is by util, and both are at 0: a tie, in the cycle's shuffle. One offer each
  assert.equal([...offers.offerIds], [2, 3]);
  assert.equal(offeredAgents(offers), ['ag', 'other']);
  const onAg = [...offers].find((o) => o.agentId === 'ag')!.id;
  a.rescind([...offers].find((o) => o.agentId === 'other')!.id);
  const [again] = a.allocate(0); // other again
  assert.is(again!.agentId, 'other');
  assert.throws(() => a.accept([onAg, again!.id], [cpus(1)]), /not for the framework, agent and role/);
});

test('recover returns used resources, optionally filtered', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(1024).using('f', 'r', cpus(4), mem(1024)).build());
  assert.is(a.allocate(0).length, 0);
  a.recover('f', 'ag', 'r', [cpus(2), mem(512)], { refuseSeconds: 10, now: 0 });
  assert.equal(a.agent('ag').used, [{ frameworkId: 'f', role: 'r', resources: [cpus(2), mem(512)] }]);
  assert.is(a.allocate(5_000).passedOver.filter, 1);
  assert.equal(a.allocate(10_000).offer(0).resources, [cpus(2), mem(512)]);
  a.recover('f', 'ag', 'r', [cpus(2), mem(512)]);
  assert.equal(a.agent('ag').used, [], 'empty used entries are omitted');
});

test('removeFramework rescinds its offers ascending and releases what it used', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(64).build());
  a.addAgent(agent('ag4').cpus(2).mem(64).using('f', 'r', cpus(1)).build());
  const cycle = a.allocate(0);
  // ag4 (util .5) first: s = 0 < r → g; then ag1–ag3, which tie (util 0) and come in the cycle's
  // shuffle; whichever comes first: 1st: r = f's cpus 1/5 = .2 vs s = (1/5, 64/256) = .25 → f
  // 2nd: r = .4 > s = .25 → g; 3rd: r = .4 vs s = (2/5, 128/256) = .5 → f
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'g', 's'],
    [2, 'f', 'r'],
    [3, 'g', 's'],
    [4, 'f', 'r'],
  ]);
  assert.is(cycle.offer(0).agentId, 'ag4');
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2', 'ag3', 'ag4'], 'every agent is offered once');
  const [, fFirst, , fThird] = [...cycle].map((o) => o.agentId) as [string, string, string, string];
  assert.equal(a.removeFramework('f'), [2, 4]);
  assert.equal(a.agent('ag4').used, []);
  assert.equal(a.agent('ag4').free, [cpus(1)]); // g holds the rest in offer 1
  assert.equal(a.agent(fFirst).free, [cpus(1), mem(64)]);
  assert.equal(a.agent(fThird).free, [cpus(1), mem(64)]);
  assert.equal(a.role('r').allocated, {});
  assert.is(a.stats().frameworks, 1);
});

test('removeAgent and updateAgent rescind the agent\'s offers', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  a.addAgent(agent('ag').cpus(2).mem(64).using('g', 's', cpus(1)).build());
  a.addAgent(agent('other').cpus(2).mem(64).build());
  const offers = a.allocate(0);
  assert.equal(brief(offers), [
    [1, 'f', 'r', 'ag'],
    [2, 'g', 's', 'other'],
  ]);
  assert.equal(a.updateAgent('ag', { attributes: { zone: 'z' } }), []);
  assert.equal(a.updateAgent('ag', { resources: [cpus(8), mem(64)] }), [1]);
  assert.equal(a.agent('ag').free, [cpus(7), mem(64)]);
  assert.equal(a.agent('ag').attributes, { zone: 'z' });
  assert.equal(a.removeAgent('other'), [2]);
  assert.equal(a.role('s').allocated, { cpus: 1 });
  assert.equal(a.removeAgent('ag'), []);
  assert.equal(a.role('s').allocated, {});
  assert.equal(a.stats(), { agents: 0, activeAgents: 0, frameworks: 2, offers: 0, filters: 0 });
});

test('inactive agents are skipped but still count in the cluster total', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('on').cpus(1).mem(100).build());
  a.addAgent(agent('off').cpus(3).mem(100).inactive().build());
  assert.equal(brief(a.allocate(0)), [[1, 'f', 'r', 'on']]);
  // share: max(cpus 1 / (1 + 3) = .25, mem 100 / 200 = .5) = .5: the inactive agent counts in the total
  assert.is(a.role('r').share, 0.5);
  assert.equal(a.stats(), { agents: 2, activeAgents: 1, frameworks: 1, offers: 1, filters: 0 });
  a.activateAgent('off');
  assert.equal(brief(a.allocate(0)), [[2, 'f', 'r', 'off']]);
});

test('updateFramework replaces what it is given', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['b', 'a'], suppressedRoles: ['a'], capabilities: ['MULTI_ROLE'] });
  assert.equal(a.framework('f'), {
    id: 'f',
    roles: ['a', 'b'],
    active: true,
    suppressedRoles: ['a'],
    capabilities: ['MULTI_ROLE'],
    allocated: {},
  });
  a.updateFramework('f', { roles: ['b', 'c'] });
  assert.equal(a.framework('f').suppressedRoles, [], 'a left role is no longer suppressed');
  assert.equal(a.framework('f').capabilities, ['MULTI_ROLE']);
  a.updateFramework('f', { capabilities: ['GPU_RESOURCES'], suppressedRoles: ['c'] });
  assert.equal(a.framework('f').capabilities, ['GPU_RESOURCES']);
  assert.equal(a.roleOrder(), ['b']);
});

test('a framework keeps the allocation of a role it left', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['old'] });
  a.addAgent(agent('ag').cpus(2).mem(64).using('f', 'old', cpus(1)).build());
  a.updateFramework('f', { roles: ['new'] });
  assert.equal(a.framework('f').allocated, { old: { cpus: 1 } });
  assert.equal(a.roleOrder(), ['new']);
  assert.equal(a.allocate(0).offer(0).resources, [cpus(1), mem(64)]);
  assert.equal(a.framework('f').allocated, { new: { cpus: 1, mem: 64 }, old: { cpus: 1 } });
});

test('agent views', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'z', roles: ['r'] });
  a.addFramework({ id: 'y', roles: ['r', 'q'] });
  a.addAgent(
    agent('ag')
      .attr('rack', 0.125)
      .attr('zone', 'us')
      .cpus(8)
      .mem(64)
      .using('z', 'r', cpus(1))
      .using('y', 'r', cpus(1))
      .using('y', 'q', cpus(1))
      .build(),
  );
  const view = a.agent('ag');
  assert.is(view.hostname, 'ag');
  assert.equal(view.attributes, { rack: 0.125, zone: 'us' });
  assert.equal(view.used.map((u) => `${u.frameworkId}/${u.role}`), ['y/q', 'y/r', 'z/r']);
  view.total.push(cpus(100));
  assert.equal(a.agent('ag').total, [cpus(8), mem(64)], 'views are copies');
});

test.run();
