import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceAllocator } from '../src/index.js';
import { agent, brief, cpus, mem, offeredAgents } from './builders.js';

// One agent of cpus:100, mem:1000 holding the allocations; shares are per cent.
function cluster(frameworks: Array<[string, string[]]>, build: (b: ReturnType<typeof agent>) => void): ReferenceAllocator {
  const a = new ReferenceAllocator();
  for (const [id, roles] of frameworks) a.addFramework({ id, roles });
  const big = agent('big').cpus(100).mem(1000);
  build(big);
  a.addAgent(big.build());
  return a;
}

test('roles in ascending dominant share', () => {
  const a = cluster([['fa', ['a']], ['fb', ['b']], ['fc', ['c']]], (big) =>
    big.using('fa', 'a', cpus(5)).using('fb', 'b', mem(60)).using('fc', 'c', cpus(1)),
  );
  // shares: a = .05 (cpus), b = .06 (mem), c = .01
  assert.equal(a.roleOrder(), ['c', 'a', 'b']);
  assert.is(a.role('b').share, 60_000 / 1_000_000);
});

test('weights divide shares', () => {
  const a = cluster([['fa', ['a']], ['fb', ['b']], ['fc', ['c']]], (big) =>
    big.using('fa', 'a', cpus(5)).using('fb', 'b', mem(60)).using('fc', 'c', cpus(1)),
  );
  a.setWeights({ b: 3 });
  // shares: a = .05, b = .06 / 3 = .02, c = .01
  assert.equal(a.roleOrder(), ['c', 'b', 'a']);
  assert.is(a.role('b').weight, 3);
  assert.is(a.role('b').share, 60_000 / 1_000_000 / 3);
});

test('equal shares go to the smaller name', () => {
  const a = cluster([['f2', ['b']], ['f1', ['a']], ['f3', ['B']]], () => {});
  // shares: all 0; byte order puts upper case first
  assert.equal(a.roleOrder(), ['B', 'a', 'b']);
});

test('hierarchical roles: subtrees compete, then children inside', () => {
  const a = cluster(
    [['ml', ['eng/ml']], ['web', ['eng/web']], ['ops', ['ops']]],
    (big) => big.using('ml', 'eng/ml', cpus(10)).using('web', 'eng/web', cpus(20)).using('ops', 'ops', cpus(25)),
  );
  // top level: eng = .10 + .20 = .30, ops = .25; inside eng: ml = .10, web = .20
  assert.equal(a.roleOrder(), ['ops', 'eng/ml', 'eng/web']);
  assert.is(a.role('eng').subtreeAllocated.cpus, 30);
  assert.equal(a.role('eng').allocated, {});
});

test('a role with candidates competes with its own children', () => {
  const a = cluster(
    [['eng', ['eng']], ['ml', ['eng/ml']], ['web', ['eng/web']], ['ops', ['ops']]],
    (big) =>
      big
        .using('eng', 'eng', cpus(15))
        .using('ml', 'eng/ml', cpus(10))
        .using('web', 'eng/web', cpus(20))
        .using('ops', 'ops', cpus(25)),
  );
  // top level: eng = .15 + .10 + .20 = .45, ops = .25
  // inside eng: SELF(eng) = .15, ml = .10, web = .20
  assert.equal(a.roleOrder(), ['ops', 'eng/ml', 'eng', 'eng/web']);
  a.setWeights({ eng: 4 });
  // top level: eng = .45 / 4 = .1125 < ops = .25; inside: SELF(eng) = .15 / 4 = .0375
  assert.equal(a.roleOrder(), ['eng', 'eng/ml', 'eng/web', 'ops']);
});

test('at equal shares a role comes before its children', () => {
  const a = cluster([['eng', ['eng']], ['ml', ['eng/ml']]], () => {});
  // SELF(eng) = 0 and CHILD(eng/ml) = 0: path eng < eng/ml
  assert.equal(a.roleOrder(), ['eng', 'eng/ml']);
});

test('only roles with candidates are live', () => {
  const a = cluster([['fa', ['a']], ['fb', ['b']], ['fc', ['c']]], () => {});
  a.deactivateFramework('fa');
  a.suppress('fb');
  assert.equal(a.roleOrder(), ['c']);
  assert.equal(a.frameworkOrder('a'), []);
  a.activateFramework('fa');
  a.revive('fb');
  assert.equal(a.roleOrder(), ['a', 'b', 'c']);
});

test('frameworks in a role by share, unweighted, then id', () => {
  const a = cluster(
    [['f1', ['x']], ['f2', ['x']], ['f3', ['x']], ['f4', ['x']], ['f5', ['x', 'y']]],
    (big) => big.using('f1', 'x', cpus(3)).using('f2', 'x', mem(10)).using('f5', 'y', cpus(50)),
  );
  // shares in x: f1 = .03, f2 = .01, f3 = f4 = f5 = 0 (f5's cpus are held in y)
  assert.equal(a.frameworkOrder('x'), ['f3', 'f4', 'f5', 'f2', 'f1']);
  assert.equal(a.frameworkOrder('y'), ['f5']);
});

test('a cycle alternates between roles as shares grow', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fb', roles: ['b'] });
  for (const id of ['ag0', 'ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(100).build());
  const cycle = a.allocate(0);
  // util 0 everywhere: the agents tie and come in the cycle's shuffle; whichever comes first,
  // each take adds .25 to the taker's share
  // 1st: a = b = 0 → a; 2nd: b = 0 < a = .25 → b; 3rd: a = b = .25 → a; 4th: b = .25 < a = .5 → b
  assert.equal(brief(cycle).map(([id, f, r]) => [id, f, r]), [
    [1, 'fa', 'a'],
    [2, 'fb', 'b'],
    [3, 'fa', 'a'],
    [4, 'fb', 'b'],
  ]);
  assert.equal(offeredAgents(cycle), ['ag0', 'ag1', 'ag2', 'ag3'], 'every agent is offered once');
});

test('a weighted role gets more in a cycle', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'fa', roles: ['a'] });
  a.addFramework({ id: 'fb', roles: ['b'] });
  a.setWeights({ a: 3 });
  for (const id of ['ag0', 'ag1', 'ag2', 'ag3']) a.addAgent(agent(id).cpus(1).mem(100).build());
  const cycle = a.allocate(0);
  // the agents tie (util 0); in whichever order they come, each take adds .25:
  // 1st: a = b = 0 → a; 2nd: a = .25/3 = .083 > b = 0 → b
  // 3rd: a = .083 < b = .25 → a; 4th: a = .5/3 = .167 < b = .25 → a
  assert.equal(
    brief(cycle).map(([, f]) => f),
    ['fa', 'fb', 'fa', 'fa'],
  );
  assert.equal(offeredAgents(cycle), ['ag0', 'ag1', 'ag2', 'ag3'], 'every agent is offered once');
  assert.equal(a.role('a').allocated, { cpus: 3, mem: 300 });
  assert.equal(a.role('b').allocated, { cpus: 1, mem: 100 });
});

test('binpack visits the fullest agents first, spread the emptiest', () => {
  const setup = (placement: 'binpack' | 'spread') => {
    const a = new ReferenceAllocator({ placement });
    a.addFramework({ id: 'old', roles: ['old'] });
    a.addAgent(agent('empty').cpus(4).mem(400).build());
    a.addAgent(agent('half').cpus(4).mem(400).using('old', 'old', cpus(2)).build());
    a.addAgent(agent('quarter').cpus(4).mem(400).using('old', 'old', mem(100)).build());
    a.addFramework({ id: 'f', roles: ['r'] });
    return a;
  };
  // util: empty = 0, half = .5 (cpus), quarter = .25 (mem); `old` is suppressed so only f takes
  const binpack = setup('binpack');
  binpack.suppress('old');
  assert.equal(brief(binpack.allocate(0)).map(([, , , ag]) => ag), ['half', 'quarter', 'empty']);
  const spread = setup('spread');
  spread.suppress('old');
  assert.equal(brief(spread.allocate(0)).map(([, , , ag]) => ag), ['empty', 'quarter', 'half']);
});

test.run();
