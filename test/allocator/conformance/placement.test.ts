// place(): a pure bin-packing query over the free resources (SEMANTICS.md,
// "Placement"). Keys are worked out on the dominant resource of the request.

import type { AllocatorApi, AllocatorOptions } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both, type Make } from './both.ts';
import { agent, cpus, mem, NO_SHORTFALL, throwsCode } from './builders.ts';

// ag0 cpus:4 mem:4096, ag1 cpus:8 mem:8192, ag2 cpus:2 mem:2048; total cpus 14, mem 14336
function threeAgents(make: Make, options: AllocatorOptions = {}): AllocatorApi {
  const a = make(options);
  a.addAgent(agent('ag0').cpus(4).mem(4096).build());
  a.addAgent(agent('ag1').cpus(8).mem(8192).build());
  a.addAgent(agent('ag2').cpus(2).mem(2048).build());
  return a;
}

both('binpack: the eligible agent with the least of the dominant resource', (make) => {
  const placement = threeAgents(make).place([{ resources: { cpus: 1, mem: 512 }, count: 4 }]);
  // dominant: cpus 1/14 = .071 > mem 512/14336 = .036
  // cpus left: ag2 2 → ag2 1 → (ag2 0 cannot: insufficient) ag0 4 → ag0 3
  assert.equal([...placement], [
    { request: 0, agentId: 'ag2', count: 2 },
    { request: 0, agentId: 'ag0', count: 2 },
  ]);
  assert.equal(placement.requests, [{ placed: 4 }]);
  assert.is(placement.placed, 4);
  assert.is(placement.length, 2);
  assert.equal(placement.assignment(1), { request: 0, agentId: 'ag0', count: 2 });
  assert.throws(() => placement.assignment(2), RangeError);
});

both('binpack keys on the dominant resource, not on cpus', (make) => {
  const placement = threeAgents(make).place([{ resources: { cpus: 0.5, mem: 4096 }, count: 1 }]);
  // dominant: mem 4096/14336 = .286 > cpus .5/14 = .036
  // mem left: ag2 2048 (too little), ag0 4096, ag1 8192 → ag0; by cpus it would have been ag2
  assert.equal([...placement], [{ request: 0, agentId: 'ag0', count: 1 }]);
});

both('spread: the agent with the most, ties to the smaller seq', (make) => {
  const placement = threeAgents(make).place([{ resources: { cpus: 1, mem: 512 }, count: 6 }], { strategy: 'spread' });
  // cpus left: ag1 8, 7, 6, 5 → ag1 4 = ag0 4: ag0 (seq 0) → ag1 4 > ag0 3: ag1
  assert.equal([...placement], [
    { request: 0, agentId: 'ag1', count: 5 },
    { request: 0, agentId: 'ag0', count: 1 },
  ]);
});

both('the strategy defaults to the allocator\'s placement option', (make) => {
  const a = threeAgents(make, { placement: 'spread' });
  assert.is(a.place([{ resources: { cpus: 1 }, count: 1 }]).assignment(0).agentId, 'ag1');
  assert.is(a.place([{ resources: { cpus: 1 }, count: 1 }], { strategy: 'binpack' }).assignment(0).agentId, 'ag2');
});

both('maxPerAgent caps the tasks of one request on one agent', (make) => {
  const placement = threeAgents(make).place([{ resources: { cpus: 1 }, count: 4, maxPerAgent: 1 }]);
  // one each on ag2, ag0, ag1 (by cpus left 2 < 4 < 8); the fourth has nowhere to go
  assert.equal([...placement].map((x) => `${x.agentId}×${x.count}`), ['ag2×1', 'ag0×1', 'ag1×1']);
  assert.equal(placement.requests, [{ placed: 3, shortfall: { ...NO_SHORTFALL, maxPerAgent: 3 } }]);
});

both('constraints choose the agents', (make) => {
  const a = make();
  a.addAgent(agent('us1').attr('zone', 'us').cpus(2).build());
  a.addAgent(agent('eu1').attr('zone', 'eu').cpus(1).build());
  a.addAgent(agent('eu2').hostname('eu2.example').cpus(4).build());
  const placement = a.place([
    { resources: { cpus: 1 }, count: 2, constraints: [[{ attribute: 'zone', op: 'equals', value: 'us' }]] },
    { resources: { cpus: 1 }, count: 1, constraints: [[{ attribute: 'zone', op: 'equals', value: 'eu' }], [{ hostname: true, op: 'matches', value: 'eu.*' }]] },
  ]);
  // request 1: only us1. request 2: eu1 (1 cpu) or eu2 (4): binpack → eu1
  assert.equal([...placement], [
    { request: 0, agentId: 'us1', count: 2 },
    { request: 1, agentId: 'eu1', count: 1 },
  ]);
});

both('a task takes its own reservation first, then its ancestors\', then unreserved', (make) => {
  const setup = (): AllocatorApi => {
    const a = make();
    a.setQuota('eng/web', { limits: { cpus: 1 } });
    a.addAgent(agent('r').cpus(1, 'eng/ml').cpus(1, 'eng').cpus(2).mem(100).build());
    return a;
  };
  // eng/ml takes its own cpu, leaving eng's for eng/web: 1 reserved + 1 unreserved ≤ room 1
  assert.equal(
    setup().place([
      { resources: { cpus: 1 }, count: 1, role: 'eng/ml' },
      { resources: { cpus: 2 }, count: 1, role: 'eng/web' },
    ]).requests,
    [{ placed: 1 }, { placed: 1 }],
  );
  // eng/ml takes its own cpu and eng's: eng/web would need 2 unreserved > room 1
  assert.equal(
    setup().place([
      { resources: { cpus: 2 }, count: 1, role: 'eng/ml' },
      { resources: { cpus: 2 }, count: 1, role: 'eng/web' },
    ]).requests,
    [{ placed: 1 }, { placed: 0, shortfall: { ...NO_SHORTFALL, quotaLimit: 1 } }],
  );
  // the default role sees the 2 unreserved cpus only
  assert.equal(setup().place([{ resources: { cpus: 1 }, count: 3 }]).requests, [{ placed: 2, shortfall: { ...NO_SHORTFALL, insufficient: 1 } }]);
});

both('quota limits hold across the requests of one call, for every ancestor', (make) => {
  const a = make();
  a.setQuota('eng', { limits: { cpus: 3 } });
  a.addAgent(agent('ag').cpus(8).build());
  const placement = a.place([
    { resources: { cpus: 2 }, count: 1, role: 'eng/ml' },
    { resources: { cpus: 2 }, count: 1, role: 'eng/web' }, // eng has 3 − 2 = 1 left
    { resources: { cpus: 2 }, count: 2, role: 'ops' },
  ]);
  assert.equal(placement.requests, [{ placed: 1 }, { placed: 0, shortfall: { ...NO_SHORTFALL, quotaLimit: 1 } }, { placed: 2 }]);
  assert.is(placement.placed, 3);
});

both('a short request says why: every agent with too little left is insufficient', (make) => {
  const placement = threeAgents(make).place([{ resources: { cpus: 3 }, count: 5 }]);
  // cpus left: ag0 4 → 1; ag1 8 → 5 → 2; then every agent has less than 3
  assert.equal([...placement], [
    { request: 0, agentId: 'ag0', count: 1 },
    { request: 0, agentId: 'ag1', count: 2 },
  ]);
  assert.equal(placement.requests, [{ placed: 3, shortfall: { ...NO_SHORTFALL, insufficient: 3 } }]);
});

both('a short request says why, agent by agent, by the first check failed', (make) => {
  const a = make();
  a.setQuota('a', { limits: { cpus: 2 } });
  a.addAgent(agent('c1').attr('zone', 'eu').cpus(4).build());
  a.addAgent(agent('g1').attr('zone', 'us').cpus(4).gpus(1).build());
  a.addAgent(agent('big1').attr('zone', 'us').cpus(4).build());
  a.addAgent(agent('big2').attr('zone', 'us').cpus(4).build());
  a.addAgent(agent('big3').attr('zone', 'us').cpus(4).build());
  a.addAgent(agent('tiny').attr('zone', 'us').cpus(0.5).build());
  a.addAgent(agent('off').attr('zone', 'us').cpus(4).inactive().build());
  const placement = a.place([
    { resources: { cpus: 1 }, count: 5, role: 'a', maxPerAgent: 1, constraints: [[{ attribute: 'zone', op: 'equals', value: 'us' }]] },
  ]);
  // task 1: big1 (cpus 4 = 4 = 4, smallest seq); room cpus 2 → 1
  // task 2: big1 is at maxPerAgent → big2; room 1 → 0
  // task 3: big3 would go over the limit; nobody is eligible
  // c1 constraint, g1 gpu, big1 + big2 maxPerAgent, tiny insufficient, big3 quotaLimit; off is inactive
  assert.equal([...placement].map((x) => x.agentId), ['big1', 'big2']);
  assert.equal(placement.requests, [{ placed: 2, shortfall: { constraint: 1, gpu: 1, maxPerAgent: 2, insufficient: 1, quotaLimit: 1 } }]);
});

both('GPU agents take tasks that ask for gpus or are gpuAware', (make) => {
  const a = make();
  a.addAgent(agent('gpu').cpus(4).gpus(2).build());
  assert.equal(a.place([{ resources: { cpus: 1 }, count: 1 }]).requests, [{ placed: 0, shortfall: { ...NO_SHORTFALL, gpu: 1 } }]);
  assert.is(a.place([{ resources: { cpus: 1 }, count: 1, gpuAware: true }]).placed, 1);
  assert.is(a.place([{ resources: { cpus: 1, gpus: 1 }, count: 3 }]).placed, 2);
});

both('place() plans over free resources only, and changes nothing', (make) => {
  const a = threeAgents(make);
  a.addFramework({ id: 'f', roles: ['r'] });
  const offers = a.allocate(0); // f holds everything on offer
  assert.is(a.place([{ resources: { cpus: 1 }, count: 1 }]).requests[0]!.shortfall!.insufficient, 3);
  a.rescind(offers.offerIds);
  const before = JSON.stringify([a.agent('ag0'), a.agent('ag1'), a.agent('ag2'), a.role('*'), a.stats()]);
  const first = a.place([{ resources: { cpus: 1 }, count: 10 }]);
  assert.is(first.placed, 10); // 2 + 4 + 4 of 14 cpus
  assert.equal(JSON.stringify([a.agent('ag0'), a.agent('ag1'), a.agent('ag2'), a.role('*'), a.stats()]), before);
  assert.equal([...a.place([{ resources: { cpus: 1 }, count: 10 }])], [...first], 'the same question, the same answer');
  // and the next cycle offers everything, as if place() had not run (the three agents tie at
  // util 0, so the cycle's shuffle orders them: listed here by id)
  const next = a.allocate(0);
  assert.equal([...next].sort((x, y) => (x.agentId < y.agentId ? -1 : 1)).map((o) => [o.agentId, o.resources]), [
    ['ag0', [cpus(4), mem(4096)]],
    ['ag1', [cpus(8), mem(8192)]],
    ['ag2', [cpus(2), mem(2048)]],
  ]);
});

both('malformed requests are refused', (make) => {
  const a = threeAgents(make);
  throwsCode(() => a.place([{ resources: { cpus: -1 }, count: 1 }]), 'ERR_INVALID_RESOURCE');
  throwsCode(() => a.place([{ resources: { cpus: 1 }, count: 1.5 }]), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => a.place([{ resources: { cpus: 1 }, count: 1, role: 'a/./b' }]), 'ERR_INVALID_ROLE');
  throwsCode(() => a.place([{ resources: { cpus: 1 }, count: 1 }], { strategy: 'random' as 'spread' }), 'ERR_INVALID_ARGUMENT');
});

test.run();
