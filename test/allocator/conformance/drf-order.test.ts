// Weighted DRF order of roles and frameworks (SEMANTICS.md, "Order"). Shares
// are worked out beside each assertion; the cluster is one agent of cpus:100,
// mem:1000 whose `used` entries set the allocations, so 1 cpu = .01 and
// 10 mem = .01.

import type { AllocatorApi } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both, type Make } from './both.ts';
import { agent, AgentBuilder, brief, cpus, mem, offeredAgents } from './builders.ts';

function cluster(make: Make, frameworks: Array<[string, string[]]>, use: (big: AgentBuilder) => AgentBuilder = (b) => b): AllocatorApi {
  const a = make();
  for (const [id, roles] of frameworks) a.addFramework({ id, roles });
  a.addAgent(use(agent('big').cpus(100).mem(1000)).build());
  return a;
}

both('roles in ascending dominant share', (make) => {
  const a = cluster(make, [['fa', ['a']], ['fb', ['b']], ['fc', ['c']]], (big) =>
    big.using('fa', 'a', cpus(5), mem(20)).using('fb', 'b', cpus(1), mem(60)).using('fc', 'c', cpus(1)),
  );
  // shares: a = max(.05, .02) = .05 (cpus), b = max(.01, .06) = .06 (mem), c = .01
  assert.equal(a.roleOrder(), ['c', 'a', 'b']);
  assert.is(a.role('a').share, 5_000 / 100_000);
  assert.is(a.role('b').share, 60_000 / 1_000_000);
  assert.is(a.role('c').share, 1_000 / 100_000);
});

both('weights divide shares', (make) => {
  const a = cluster(make, [['fa', ['a']], ['fb', ['b']], ['fc', ['c']]], (big) =>
    big.using('fa', 'a', cpus(5)).using('fb', 'b', mem(60)).using('fc', 'c', cpus(2)),
  );
  a.setWeights({ b: 4, a: 2 });
  // shares: a = .05 / 2 = .025, b = .06 / 4 = .015, c = .02
  assert.equal(a.roleOrder(), ['b', 'c', 'a']);
  assert.is(a.role('b').weight, 4);
  assert.is(a.role('b').share, 60_000 / 1_000_000 / 4);
  a.setWeights({ b: 1 });
  // shares: a = .025, b = .06, c = .02; a keeps its weight of 2
  assert.equal(a.roleOrder(), ['c', 'a', 'b']);
  assert.is(a.role('a').weight, 2);
});

both('equal shares go to the smaller name, by byte', (make) => {
  const a = cluster(make, [['f1', ['b']], ['f2', ['a']], ['f3', ['B']], ['f4', ['a-b']], ['f5', ['a_b']]]);
  // shares: all 0; bytes: 'B' (0x42) < 'a' < 'a-b' ('-' 0x2d) < 'a_b' ('_' 0x5f) < 'b': upper case first
  assert.equal(a.roleOrder(), ['B', 'a', 'a-b', 'a_b', 'b']);
});

both('hierarchical roles: subtrees compete, then the children inside', (make) => {
  const a = cluster(make, [['ml', ['eng/ml']], ['web', ['eng/web']], ['ops', ['ops']]], (big) =>
    big.using('ml', 'eng/ml', cpus(10)).using('web', 'eng/web', cpus(20)).using('ops', 'ops', cpus(25)),
  );
  // top level: eng = .10 + .20 = .30 > ops = .25; inside eng: ml = .10 < web = .20
  assert.equal(a.roleOrder(), ['ops', 'eng/ml', 'eng/web']);
  assert.equal(a.role('eng').subtreeAllocated, { cpus: 30 });
  assert.equal(a.role('eng').allocated, {});
  assert.is(a.role('eng').share, 0.3);
  a.setWeights({ eng: 2 });
  // top level: eng = .30 / 2 = .15 < ops = .25; a parent's weight does not reorder its children
  assert.equal(a.roleOrder(), ['eng/ml', 'eng/web', 'ops']);
});

both('a role with candidates competes with its own children (pre-order)', (make) => {
  const a = cluster(make, [['eng', ['eng']], ['ml', ['eng/ml']], ['web', ['eng/web']], ['ops', ['ops']]], (big) =>
    big.using('eng', 'eng', cpus(15)).using('ml', 'eng/ml', cpus(10)).using('web', 'eng/web', cpus(20)).using('ops', 'ops', cpus(25)),
  );
  // top level: eng = .15 + .10 + .20 = .45 > ops = .25
  // inside eng: ml = .10 < SELF(eng) = .15 < web = .20
  assert.equal(a.roleOrder(), ['ops', 'eng/ml', 'eng', 'eng/web']);
  a.setWeights({ eng: 4 });
  // top level: eng = .45 / 4 = .1125 < ops = .25; inside: SELF(eng) = .15 / 4 = .0375 < ml = .10
  assert.equal(a.roleOrder(), ['eng', 'eng/ml', 'eng/web', 'ops']);
});

both('deeper trees: every level is sorted by subtree share', (make) => {
  const a = cluster(
    make,
    [['t1', ['eng/ml/train']], ['t2', ['eng/ml/serve']], ['w', ['eng/web']], ['o', ['ops']]],
    (big) => big.using('t1', 'eng/ml/train', cpus(3)).using('t2', 'eng/ml/serve', cpus(4)).using('w', 'eng/web', cpus(5)).using('o', 'ops', cpus(20)),
  );
  // top: eng = .03 + .04 + .05 = .12 < ops = .20
  // eng: ml = .03 + .04 = .07 > web = .05; eng/ml: train = .03 < serve = .04
  assert.equal(a.roleOrder(), ['eng/web', 'eng/ml/train', 'eng/ml/serve', 'ops']);
});

both('at equal shares a role comes before its children', (make) => {
  const a = cluster(make, [['eng', ['eng']], ['ml', ['eng/ml']]]);
  // SELF(eng) = 0 and CHILD(eng/ml) = 0: path 'eng' < 'eng/ml'
  assert.equal(a.roleOrder(), ['eng', 'eng/ml']);
});

both('only roles with candidates are live', (make) => {
  const a = cluster(make, [['fa', ['a']], ['fb', ['b']], ['fc', ['c']]]);
  a.deactivateFramework('fa');
  a.suppress('fb');
  assert.equal(a.roleOrder(), ['c']);
  assert.equal(a.frameworkOrder('a'), []);
  assert.equal(a.frameworkOrder('b'), []);
  a.activateFramework('fa');
  a.revive('fb');
  assert.equal(a.roleOrder(), ['a', 'b', 'c']);
});

both('frameworks in a role: by unweighted share, then by id', (make) => {
  const a = cluster(make, [['f1', ['x']], ['f2', ['x']], ['f3', ['x']], ['f4', ['x']], ['f5', ['x', 'y']]], (big) =>
    big.using('f1', 'x', cpus(3)).using('f2', 'x', mem(10)).using('f5', 'y', cpus(50)),
  );
  a.setWeights({ x: 10 });
  // shares in x: f1 = .03, f2 = .01, f3 = f4 = f5 = 0 (f5's cpus are held under y); weights do not apply
  assert.equal(a.frameworkOrder('x'), ['f3', 'f4', 'f5', 'f2', 'f1']);
  assert.equal(a.frameworkOrder('y'), ['f5']);
  assert.equal(a.frameworkOrder('nobody'), []);
});

both('a cycle alternates between roles as shares grow', (make) => {
  const a = make();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fb', roles: ['b'] });
  for (const id of ['ag0', 'ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(100).build());
  const cycle = a.allocate(0);
  // the four agents tie (util 0), so the cycle's shuffle decides which comes first; whichever
  // it is, each take adds .25 to the taker's share:
  // 1st agent: a = b = 0 → a; 2nd: b = 0 < a = .25 → b; 3rd: a = b = .25 → a; 4th: b = .25 < a = .5 → b
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'fa', 'a'],
    [2, 'fb', 'b'],
    [3, 'fa', 'a'],
    [4, 'fb', 'b'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag0', 'ag1', 'ag2', 'ag3'], 'every agent is offered once');
  assert.equal(a.roleOrder(), ['a', 'b']); // a = b = .5
});

both('a role weighted 3 gets three agents of four', (make) => {
  const a = make();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fb', roles: ['b'] });
  a.setWeights({ a: 3 });
  for (const id of ['ag0', 'ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(100).build());
  const cycle = a.allocate(0);
  // the agents tie (util 0); in whichever order they come, each take adds .25:
  // 1st: a = b = 0 → a; 2nd: a = .25 / 3 = .083 > b = 0 → b
  // 3rd: a = .083 < b = .25 → a; 4th: a = .5 / 3 = .167 < b = .25 → a
  assert.equal([...cycle].map((o) => o.frameworkId), ['fa', 'fb', 'fa', 'fa']);
  assert.equal(offeredAgents(cycle), ['ag0', 'ag1', 'ag2', 'ag3'], 'every agent is offered once');
  assert.equal(a.role('a').allocated, { cpus: 3, mem: 300 });
  assert.equal(a.role('b').allocated, { cpus: 1, mem: 100 });
});

test.run();
