// One allocation cycle: agents in placement order, each offered to the
// lowest-share eligible framework, offers counted as allocation
// (SEMANTICS.md, "The allocation cycle" and "Take").

import type { AllocatorApi } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both } from './both.ts';
import { agent, brief, cpus, mem, NO_REJECTIONS, ports, tieOrder, who } from './builders.ts';

both('each agent goes to the lowest-share eligible framework', (make) => {
  const a = make();
  a.addFramework({ id: 'heavy', roles: ['r'] });
  a.addFramework({ id: 'light', roles: ['r'] });
  a.addFramework({ id: 'gpu-less', roles: ['r'] });
  a.addAgent(agent('held').cpus(10).mem(1000).using('heavy', 'r', cpus(6)).using('light', 'r', cpus(2)).build());
  a.addAgent(agent('gpu').cpus(10).mem(1000).gpus(1).build());
  a.addAgent(agent('plain').cpus(10).mem(1000).build());
  // cluster: cpus 30, mem 3000, gpus 1; shares in r: heavy = .2, light = .067, gpu-less = 0
  assert.equal(a.frameworkOrder('r'), ['gpu-less', 'light', 'heavy']);
  const cycle = a.allocate(0);
  // binpack: held (util .8), then gpu and plain (util 0), a tie in the cycle's shuffle: either way
  // held: gpu-less (0) takes cpus:2 mem:1000 → gpu-less = max(2/30, 1000/3000) = .333
  // gpu: nobody has GPU_RESOURCES: gpu-less, light, heavy each passed over (gpu: 3)
  // plain: light = .067 < heavy = .2 < gpu-less = .333 → light
  assert.equal(brief(cycle), [
    [1, 'gpu-less', 'r', 'held'],
    [2, 'light', 'r', 'plain'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(2), mem(1000)]);
  assert.equal(cycle.offer(1).resources, [cpus(10), mem(1000)]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, gpu: 3 });
  assert.equal([...cycle.offerIds], [1, 2]);
  assert.ok(cycle.offerIds instanceof Float64Array);
  assert.is(cycle.length, 2);
});

both('binpack visits the fullest agents first, spread the emptiest', (make) => {
  const setup = (placement: 'binpack' | 'spread'): AllocatorApi => {
    const a = make({ placement });
    a.addFramework({ id: 'old', roles: ['old'] });
    a.addAgent(agent('empty').cpus(4).mem(400).build());
    a.addAgent(agent('half').cpus(4).mem(400).using('old', 'old', cpus(2)).build());
    a.addAgent(agent('quarter').cpus(4).mem(400).using('old', 'old', mem(100)).build());
    a.addAgent(agent('empty2').cpus(4).mem(400).build());
    a.suppress('old'); // only f takes
    a.addFramework({ id: 'f', roles: ['r'] });
    return a;
  };
  // util: empty = empty2 = 0, half = 2/4 = .5 (cpus), quarter = 100/400 = .25 (mem)
  // the tie goes by the shuffle of cycle 1: shuffle(0, 1) = 0x11fd02eb < shuffle(3, 1) = 0xa64b3dd9
  assert.equal(tieOrder({ empty: 0, empty2: 3 }, 1), ['empty', 'empty2']);
  assert.equal(who(setup('binpack').allocate(0)), ['f@half', 'f@quarter', 'f@empty', 'f@empty2']);
  assert.equal(who(setup('spread').allocate(0)), ['f@empty', 'f@empty2', 'f@quarter', 'f@half']);
  assert.equal(who(make().allocate(0)), [], 'no agents, no offers');
});

both('equal agents change places from cycle to cycle; unequal ones keep to binpack and spread', (make) => {
  // Among agents of equal utilisation, cycle c (the c-th allocate(), from 1) goes by ascending
  // shuffle(seq, c), then seq. Mesos shuffles agents for the same reason: with a fixed tie order,
  // the frameworks that declined an agent would meet it at the front of their DRF order every cycle.
  const setup = (placement: 'binpack' | 'spread'): AllocatorApi => {
    const a = make({ placement });
    a.addFramework({ id: 'old', roles: ['old'] });
    a.addAgent(agent('t0').cpus(4).mem(400).build()); // seq 0
    a.addAgent(agent('half').cpus(4).mem(400).using('old', 'old', cpus(2)).build()); // seq 1
    a.addAgent(agent('t1').cpus(4).mem(400).build()); // seq 2
    a.addAgent(agent('quarter').cpus(4).mem(400).using('old', 'old', mem(100)).build()); // seq 3
    a.addAgent(agent('t2').cpus(4).mem(400).build()); // seq 4
    a.addAgent(agent('t3').cpus(4).mem(400).build()); // seq 5
    a.suppress('old'); // only f takes, each agent whole
    a.addFramework({ id: 'f', roles: ['r'] });
    return a;
  };
  // util: t0 = t1 = t2 = t3 = 0, half = 2/4 = .5 (cpus), quarter = 100/400 = .25 (mem)
  const ties = { t0: 0, t1: 2, t2: 4, t3: 5 };
  // cycle 1: shuffle(0, 1) = 0x11fd02eb < shuffle(5, 1) = 0x74cd84ed < shuffle(2, 1) = 0x7e32275d < shuffle(4, 1) = 0x9a4d7729
  const cycle1 = ['t0', 't3', 't1', 't2'];
  // cycle 2: shuffle(5, 2) = 0x5655552b < shuffle(4, 2) = 0x6a70ac66 < shuffle(2, 2) = 0x85a7d419 < shuffle(0, 2) = 0xbb2aafde
  const cycle2 = ['t3', 't2', 't1', 't0'];
  assert.equal(tieOrder(ties, 1), cycle1);
  assert.equal(tieOrder(ties, 2), cycle2);
  assert.not.equal(cycle1, cycle2);
  const visited = (a: AllocatorApi): string[] => {
    const cycle = a.allocate(0);
    assert.ok([...cycle].every((o) => o.frameworkId === 'f'));
    a.rescind(cycle.offerIds); // all free again, no filters: the next cycle sees the same utilisations
    return [...cycle].map((o) => o.agentId);
  };
  const binpack = setup('binpack');
  assert.equal(visited(binpack), ['half', 'quarter', ...cycle1]);
  assert.equal(visited(binpack), ['half', 'quarter', ...cycle2]);
  const spread = setup('spread');
  assert.equal(visited(spread), [...cycle1, 'quarter', 'half']);
  assert.equal(visited(spread), [...cycle2, 'quarter', 'half']);
});

both('the agent order is fixed when the cycle starts', (make) => {
  const a = make({ placement: 'spread' });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addFramework({ id: 'g', roles: ['s'] });
  a.addAgent(agent('ag1').cpus(2).mem(200).using('f', 'r', cpus(1)).build());
  a.addAgent(agent('ag2').cpus(2).mem(200).build());
  // spread: ag2 (util 0) then ag1 (util .5); taking ag2 whole (util 1) does not move it behind ag1
  // ag2: r = 1/4 = .25 > s = 0 → g; ag1: s = max(2/4, 200/400) = .5 > r = .25 → f
  assert.equal(who(a.allocate(0)), ['g@ag2', 'f@ag1']);
});

both('an agent\'s free resources go to one framework per cycle', (make) => {
  const a = make();
  a.addFramework({ id: 'f1', roles: ['r'] });
  a.addFramework({ id: 'f2', roles: ['r'] });
  a.addAgent(agent('ag').cpus(8).mem(4096).ports([31000, 31099]).build());
  const cycle = a.allocate(0);
  // f1 = f2 = 0 → f1 (smaller id) takes everything; the scan repeats, finds nothing free, and stops
  assert.equal(brief(cycle), [[1, 'f1', 'r', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(8), mem(4096), ports([31000, 31099])]);
  assert.equal(a.agent('ag').free, []);
  assert.equal(a.agent('ag').offered, [{ offerId: 1, frameworkId: 'f1', role: 'r', resources: [cpus(8), mem(4096), ports([31000, 31099])] }]);
  assert.is(a.allocate(0).length, 0, 'nothing is left to offer');
});

both('offers count in shares: the next cycle goes the other way', (make) => {
  const a = make();
  a.addFramework({ id: 'f1', roles: ['r'] });
  a.addFramework({ id: 'f2', roles: ['r'] });
  a.addAgent(agent('ag1').cpus(4).mem(1024).build());
  assert.equal(who(a.allocate(0)), ['f1@ag1']);
  a.addAgent(agent('ag2').cpus(4).mem(1024).build());
  // cluster: cpus 8, mem 2048; f1 holds offer 1: share = max(4/8, 1024/2048) = .5; f2 = 0
  assert.equal(a.framework('f1').allocated, { r: { cpus: 4, mem: 1024 } });
  assert.equal(a.frameworkOrder('r'), ['f2', 'f1']);
  assert.is(a.role('r').share, 0.5); // the role holds what its frameworks hold: offer 1
  assert.equal(brief(a.allocate(0)), [[2, 'f2', 'r', 'ag2']]);
  // declining returns the resources: f2 = 0 (its offer 2 is declined), f1 = .5
  a.decline(2, { refuseSeconds: 0, now: 0 });
  assert.equal(a.frameworkOrder('r'), ['f2', 'f1']);
  a.decline(1, { refuseSeconds: 0, now: 0 });
  // f1 = f2 = 0: ids decide
  assert.equal(a.frameworkOrder('r'), ['f1', 'f2']);
});

both('a take re-sorts the roles before the agent\'s next scan', (make) => {
  const a = make();
  a.addFramework({ id: 'plain', roles: ['a'] });
  a.addFramework({ id: 'ml', roles: ['b'], capabilities: ['GPU_RESOURCES'] });
  a.addAgent(agent('ag').cpus(2).mem(200).cpus(2, 'b').build());
  const cycle = a.allocate(0);
  // scan 1: a = b = 0 → plain takes the unreserved cpus:2 mem:200 (cpus(b) is not allocatable to a)
  // scan 2: b = 0 < a = .5 → ml takes its reservation cpus(b):2
  assert.equal(brief(cycle), [
    [1, 'plain', 'a', 'ag'],
    [2, 'ml', 'b', 'ag'],
  ]);
  assert.equal(cycle.offer(1).resources, [cpus(2, 'b')]);
});

test.run();
