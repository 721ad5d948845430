// Agents and frameworks coming and going, offers accepted and recovered: what
// is rescinded, released and kept, and the views and stats that show it
// (SEMANTICS.md, "Operations").

import { UnknownAgentError, UnknownFrameworkError } from '@tessera/allocator/errors';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both } from './both.ts';
import { agent, brief, cpus, mem, offeredAgents, ports, throwsAllocatorError, throwsCode, tieOrder, who } from './builders.ts';

both('offer ids count up from 1 and are never reused', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag1').cpus(1).mem(64).build());
  a.addAgent(agent('ag2').cpus(1).mem(64).build());
  const first = a.allocate(0);
  assert.equal([...first.offerIds], [1, 2]);
  assert.is(first.length, 2);
  a.rescind(first.offerIds);
  assert.is(a.offer(1), undefined);
  assert.equal(a.agent('ag1').free, [cpus(1), mem(64)], 'rescinded resources are free, unfiltered');
  assert.equal([...a.allocate(0).offerIds], [3, 4]);
});

both('accept: used stays allocated, the rest returns', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(4).mem(1024).ports([100, 109]).build());
  const [offer] = a.allocate(0);
  a.accept([offer!.id], [cpus(1), mem(256), ports([100, 100])], { refuseSeconds: 0, now: 0 });
  assert.is(a.stats().offers, 0);
  assert.equal(a.framework('f').allocated, { r: { cpus: 1, mem: 256 } });
  assert.equal(a.agent('ag').free, [cpus(3), mem(768), ports([101, 109])]);
  // the rest is offered again at once: refuseSeconds 0 made no filter
  assert.equal(a.allocate(0).offer(0).resources, [cpus(3), mem(768), ports([101, 109])]);
});

both('accepting several offers: they must share framework, agent and role', (make) => {
  const a = make({ minAllocatable: [{ cpus: 1 }] });
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
  throwsCode(() => a.accept([onAg, again!.id], [cpus(1)]), 'ERR_INVALID_ARGUMENT', /not for the (same )?framework, agent and role/);
});

both('addAgent with used: free is what is left, and the holders\' shares grow', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['web'] });
  a.addFramework({ id: 'g', roles: ['batch'] });
  a.addAgent(
    agent('ag')
      .cpus(4)
      .mem(1024)
      .ports([31000, 31009])
      .using('f', 'web', cpus(1), ports([31000, 31001]))
      .using('g', 'batch', cpus(1), mem(512))
      .build(),
  );
  const view = a.agent('ag');
  assert.equal(view.free, [cpus(2), mem(512), ports([31002, 31009])]);
  assert.equal(view.used, [
    { frameworkId: 'f', role: 'web', resources: [cpus(1), ports([31000, 31001])] },
    { frameworkId: 'g', role: 'batch', resources: [cpus(1), mem(512)] },
  ]);
  // shares: web = 1/4 = .25, batch = max(1/4, 512/1024) = .5
  assert.equal(a.framework('f').allocated, { web: { cpus: 1 } }); // ports are not scalar quantities
  assert.equal(a.roleOrder(), ['web', 'batch']);
  assert.is(a.role('batch').share, 0.5);
  assert.equal(a.allocate(0).offer(0).resources, [cpus(2), mem(512), ports([31002, 31009])]);
});

both('removeFramework rescinds its offers (ascending), releases what it used, drops its filters', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  for (const id of ['ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(64).build());
  a.addAgent(agent('ag4').cpus(2).mem(64).using('f', 'r', cpus(1)).build());
  const cycle = a.allocate(0);
  // cluster: cpus 5, mem 256. ag4 (util .5) first: s = 0 < r = .2 → g
  // ag1–ag3 tie (util 0) and come in the cycle's shuffle; whichever comes first:
  // 1st: r = f's cpus 1/5 = .2 < s = max(1/5, 64/256) = .25 → f; 2nd: s = .25 < r = .4 → g
  // 3rd: r = .4 < s = max(2/5, 128/256) = .5 → f
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'g', 's'],
    [2, 'f', 'r'],
    [3, 'g', 's'],
    [4, 'f', 'r'],
  ]);
  assert.is(cycle.offer(0).agentId, 'ag4');
  assert.equal(offeredAgents(cycle), ['ag1', 'ag2', 'ag3', 'ag4'], 'every agent is offered once');
  const [, fFirst, gSecond, fThird] = [...cycle].map((o) => o.agentId) as [string, string, string, string];
  a.decline(3, { refuseSeconds: Infinity, now: 0 }); // g's filter on the 2nd of the ties
  assert.is(a.stats().filters, 1);
  assert.equal(a.removeFramework('f'), [2, 4]);
  assert.equal(a.agent('ag4').used, []);
  assert.equal(a.agent('ag4').free, [cpus(1)], 'g holds the rest in offer 1');
  assert.equal(a.agent(fFirst).free, [cpus(1), mem(64)]);
  assert.equal(a.agent(fThird).free, [cpus(1), mem(64)]);
  assert.equal(a.agent(gSecond).free, [cpus(1), mem(64)], 'declined by g');
  assert.equal(a.role('r').allocated, {});
  assert.is(a.offer(2), undefined);
  assert.equal(a.stats(), { agents: 4, activeAgents: 4, frameworks: 1, offers: 1, filters: 1 });
  assert.equal(a.removeFramework('g'), [1]);
  assert.equal(a.stats(), { agents: 4, activeAgents: 4, frameworks: 0, offers: 0, filters: 0 });
  throwsAllocatorError(() => a.framework('f'), UnknownFrameworkError, 'ERR_UNKNOWN_FRAMEWORK');
});

both('removeAgent rescinds its offers and drops what was used on it', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  a.addAgent(agent('ag').cpus(2).mem(64).using('g', 's', cpus(1)).build());
  a.addAgent(agent('other').cpus(2).mem(64).build());
  assert.equal(brief(a.allocate(0)), [
    [1, 'f', 'r', 'ag'],
    [2, 'g', 's', 'other'],
  ]);
  a.decline(1, { refuseSeconds: Infinity, now: 0 });
  assert.equal(a.removeAgent('other'), [2]);
  assert.equal(a.role('s').allocated, { cpus: 1 });
  assert.equal(a.removeAgent('ag'), []);
  assert.equal(a.role('s').allocated, {}, 'what g used on ag is gone with it');
  assert.equal(a.stats(), { agents: 0, activeAgents: 0, frameworks: 2, offers: 0, filters: 0 });
  throwsAllocatorError(() => a.agent('ag'), UnknownAgentError, 'ERR_UNKNOWN_AGENT');
  // the id can be used again, by a new agent
  a.addAgent(agent('ag').cpus(1).mem(64).build());
  assert.equal(who(a.allocate(0)), ['f@ag']);
});

both('deactivated agents keep their offers, get no new ones, and count in the total', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('on').cpus(1).mem(100).build());
  a.addAgent(agent('off').cpus(3).mem(100).inactive().build());
  assert.equal(brief(a.allocate(0)), [[1, 'f', 'r', 'on']]);
  // share: max(cpus 1 / (1 + 3) = .25, mem 100 / 200 = .5) = .5: the inactive agent counts in the total
  assert.is(a.role('r').share, 0.5);
  assert.equal(a.stats(), { agents: 2, activeAgents: 1, frameworks: 1, offers: 1, filters: 0 });
  a.activateAgent('off');
  assert.equal(brief(a.allocate(0)), [[2, 'f', 'r', 'off']]);
  a.deactivateAgent('on');
  assert.is(a.agent('on').active, false);
  assert.equal(a.agent('on').offered.map((o) => o.offerId), [1], 'deactivating rescinds nothing');
  a.rescind(1);
  assert.is(a.allocate(0).length, 0, 'free, but inactive');
});

both('deactivated frameworks get no offers but keep the ones they have', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'], active: false });
  a.addAgent(agent('ag1').cpus(1).mem(100).build());
  a.addAgent(agent('ag2').cpus(1).mem(100).build());
  const first = a.allocate(0);
  assert.equal([...first].map((o) => o.frameworkId), ['f', 'f'], 'g is inactive');
  assert.equal(offeredAgents(first), ['ag1', 'ag2']);
  a.deactivateFramework('f');
  assert.is(a.framework('f').active, false);
  assert.is(a.stats().offers, 2);
  a.rescind(2);
  a.activateFramework('g');
  assert.equal(who(a.allocate(0)), [`g@${first.offer(1).agentId}`], 'only the rescinded agent is free');
});

both('updateAgent: a new total rescinds offers and filters; other changes do not', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  a.addAgent(agent('ag').cpus(2).mem(64).using('g', 's', cpus(1)).build());
  assert.equal(brief(a.allocate(0)), [[1, 'f', 'r', 'ag']]);
  assert.equal(a.updateAgent('ag', { hostname: 'ag.example', attributes: { zone: 'z', rack: 2.5 } }), []);
  const view = a.agent('ag');
  assert.is(view.hostname, 'ag.example');
  assert.equal(view.attributes, { rack: 2.5, zone: 'z' });
  assert.is(a.stats().offers, 1);
  a.decline(1, { refuseSeconds: Infinity, now: 0 });
  assert.is(a.stats().filters, 1);
  assert.equal(a.updateAgent('ag', { hostname: 'renamed' }), []);
  assert.is(a.stats().filters, 1, 'a new hostname keeps filters');
  assert.equal(who(a.allocate(0)), ['g@ag']); // f is filtered; g = .5 > r = 0 but f cannot take
  assert.equal(a.updateAgent('ag', { resources: [cpus(8), mem(64)] }), [2]);
  assert.is(a.stats().filters, 0, 'a new total drops them');
  assert.equal(a.agent('ag').total, [cpus(8), mem(64)]);
  assert.equal(a.agent('ag').free, [cpus(7), mem(64)], 'what g uses stays used');
  assert.equal(a.role('s').allocated, { cpus: 1 });
});

both('updateFramework replaces what it is given', (make) => {
  const a = make();
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
  assert.equal(a.framework('f').suppressedRoles, [], 'a role left is no longer suppressed');
  assert.equal(a.framework('f').capabilities, ['MULTI_ROLE']);
  a.updateFramework('f', { capabilities: ['GPU_RESOURCES'], suppressedRoles: ['c'] });
  assert.equal(a.framework('f').capabilities, ['GPU_RESOURCES']);
  assert.equal(a.roleOrder(), ['b']);
});

both('a framework keeps what it holds under a role it has left', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['old'] });
  a.addAgent(agent('ag').cpus(2).mem(64).using('f', 'old', cpus(1)).build());
  a.updateFramework('f', { roles: ['new'] });
  assert.equal(a.framework('f').allocated, { old: { cpus: 1 } });
  assert.equal(a.roleOrder(), ['new']);
  assert.equal(a.allocate(0).offer(0).resources, [cpus(1), mem(64)]);
  assert.equal(a.framework('f').allocated, { new: { cpus: 1, mem: 64 }, old: { cpus: 1 } });
});

both('addAgents adds a batch in order', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgents([agent('b').cpus(1).mem(64).build(), agent('a').cpus(1).mem(64).build(), agent('c').cpus(1).mem(64).inactive().build()]);
  assert.equal(a.stats(), { agents: 3, activeAgents: 2, frameworks: 1, offers: 0, filters: 0 });
  // seq follows the batch order, not the ids: b is seq 0, a seq 1. Both at util 0, so cycle 1
  // goes by shuffle(0, 1) = 0x11fd02eb < shuffle(1, 1) = 0xb19fea7c: b first (a first, had ids set seq)
  assert.equal(tieOrder({ b: 0, a: 1 }, 1), ['b', 'a']);
  assert.equal(tieOrder({ a: 0, b: 1 }, 1), ['a', 'b']);
  assert.equal(who(a.allocate(0)), ['f@b', 'f@a']);
});

both('stats() counts agents, active agents, frameworks, outstanding offers and filters', (make) => {
  const a = make();
  assert.equal(a.stats(), { agents: 0, activeAgents: 0, frameworks: 0, offers: 0, filters: 0 });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['r'], active: false });
  a.addAgents([agent('ag1').cpus(1).mem(64).build(), agent('ag2').cpus(1).mem(64).build(), agent('ag3').cpus(1).mem(64).inactive().build()]);
  const cycle = a.allocate(0);
  assert.equal(a.stats(), { agents: 3, activeAgents: 2, frameworks: 2, offers: 2, filters: 0 });
  a.decline(cycle.offerIds[0]!, { refuseSeconds: 30, now: 0 });
  assert.equal(a.stats(), { agents: 3, activeAgents: 2, frameworks: 2, offers: 1, filters: 1 });
  a.accept(cycle.offerIds[1]!, [cpus(1)], { refuseSeconds: 30, now: 0 });
  assert.equal(a.stats(), { agents: 3, activeAgents: 2, frameworks: 2, offers: 0, filters: 2 });
});

test.run();
