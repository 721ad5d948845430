import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Constraint, ConstraintGroups } from '@tessera/allocator/types';
import { ReferenceAllocator } from '../src/index.js';
import { agent, brief, cpus, mem, revocable, throwsCode } from './builders.js';

const NO_REJECTIONS = { filter: 0, quotaLimit: 0, quotaHeadroom: 0, constraint: 0, minAllocatable: 0, gpu: 0 };

function constrained(groups: ConstraintGroups): ReferenceAllocator {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'f', roles: ['r'], offerConstraints: { r: groups } });
  a.addAgent(agent('us1').hostname('node-1.us').attr('zone', 'us-1').attr('rack', 3).cpus(1).mem(64).build());
  a.addAgent(agent('us2').hostname('node-2.us').attr('zone', 'us-2').attr('rack', 2.5).cpus(1).mem(64).build());
  a.addAgent(agent('eu1').hostname('node-1.eu').attr('zone', 'eu-1').cpus(1).mem(64).build());
  return a;
}

/**
 * The agents offered to f, in addAgent order (they tie at util 0, so the cycle
 * visits them in its shuffle), and how many were passed over for constraints.
 */
function offeredTo(groups: ConstraintGroups): [string[], number] {
  const cycle = constrained(groups).allocate(0);
  const added = ['us1', 'us2', 'eu1'];
  return [[...cycle].map((o) => o.agentId).sort((x, y) => added.indexOf(x) - added.indexOf(y)), cycle.passedOver.constraint];
}

const on = (attribute: string, op: Constraint['op'], value?: string): Constraint =>
  value === undefined ? { attribute, op } : { attribute, op, value };

test('constraint ops on text and scalar attributes', () => {
  assert.equal(offeredTo([[on('zone', 'equals', 'us-1')]]), [['us1'], 2]);
  assert.equal(offeredTo([[on('zone', 'notEquals', 'us-1')]]), [['us2', 'eu1'], 1]);
  assert.equal(offeredTo([[on('zone', 'matches', 'us-.*')]]), [['us1', 'us2'], 1]);
  assert.equal(offeredTo([[on('zone', 'matches', 'us')]]), [[], 3]); // the whole text must match
  assert.equal(offeredTo([[on('zone', 'notMatches', 'us-.*')]]), [['eu1'], 2]);
  // scalar attributes compare as canonical decimals: 3 → "3", 2.5 → "2.5"
  assert.equal(offeredTo([[on('rack', 'equals', '3')]]), [['us1'], 2]);
  assert.equal(offeredTo([[on('rack', 'matches', '2\\.5')]]), [['us2'], 2]);
});

test('a missing attribute: exists and equals fail, their negations hold', () => {
  assert.equal(offeredTo([[on('rack', 'exists')]]), [['us1', 'us2'], 1]);
  assert.equal(offeredTo([[on('rack', 'notExists')]]), [['eu1'], 2]);
  assert.equal(offeredTo([[on('rack', 'notEquals', '3')]]), [['us2', 'eu1'], 1]);
  assert.equal(offeredTo([[on('rack', 'notMatches', '.*')]]), [['eu1'], 2]);
});

test('AND inside a group, OR between groups, hostname constraints', () => {
  const usRack3 = [on('zone', 'matches', 'us-.*'), on('rack', 'equals', '3')];
  assert.equal(offeredTo([usRack3]), [['us1'], 2]);
  assert.equal(offeredTo([usRack3, [{ hostname: true, op: 'matches', value: '.*\\.eu' }]]), [['us1', 'eu1'], 1]);
  assert.equal(offeredTo([]), [['us1', 'us2', 'eu1'], 0]); // an empty list holds everywhere
  assert.equal(offeredTo([[]]), [['us1', 'us2', 'eu1'], 0]); // so does an empty group
});

test('malformed constraints', () => {
  const a = new ReferenceAllocator();
  const add = (c: unknown) => () => a.addFramework({ id: 'f', roles: ['r'], offerConstraints: { r: [[c as Constraint]] } });
  throwsCode(add({ attribute: 'zone', op: 'matches', value: '(' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', op: 'near', value: 'x' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', op: 'equals' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ attribute: 'zone', hostname: true, op: 'exists' }), 'ERR_INVALID_CONSTRAINT');
  throwsCode(add({ op: 'exists' }), 'ERR_INVALID_CONSTRAINT');
  assert.is(a.stats().frameworks, 0);
});

test('GPU agents are kept for GPU frameworks', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'cpu', roles: ['a'] });
  a.addAgent(agent('gpu').cpus(4).mem(1024).gpus(1).build());
  const refused = a.allocate(0);
  assert.is(refused.length, 0);
  assert.equal(refused.passedOver, { ...NO_REJECTIONS, gpu: 1 });
  a.addFramework({ id: 'ml', roles: ['b'], capabilities: ['GPU_RESOURCES'] });
  const cycle = a.allocate(0);
  // a = b = 0: cpu is passed over (gpu), then ml takes everything
  assert.equal(brief(cycle), [[1, 'ml', 'b', 'gpu']]);
  assert.equal(cycle.offer(0).resources, [cpus(4), { name: 'gpus', scalar: 1 }, mem(1024)]);
  assert.is(cycle.passedOver.gpu, 1);
});

test('minimum allocatable resources: default and per framework', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'picky', roles: ['a'], minAllocatable: { a: [{ cpus: 2, mem: 1024 }, { gpus: 1 }] } });
  a.addFramework({ id: 'easy', roles: ['b'] });
  a.addAgent(agent('crumbs').cpus(0.005).mem(16).build()); // below cpus 0.01 and mem 32
  a.addAgent(agent('small').cpus(1).mem(4096).build());
  const cycle = a.allocate(0);
  // crumbs: picky → minAllocatable, easy → minAllocatable
  // small: picky → minAllocatable (needs cpus 2 and mem 1024, or a gpu); easy takes it
  assert.equal(brief(cycle), [[1, 'easy', 'b', 'small']]);
  assert.equal(cycle.passedOver, { ...NO_REJECTIONS, minAllocatable: 3 });
});

test('an empty minimum accepts any non-empty offer', () => {
  const a = new ReferenceAllocator({ minAllocatable: [] });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('crumbs').cpus(0.005).mem(16).build());
  assert.equal(a.allocate(0).offer(0).resources, [cpus(0.005), mem(16)]);
});

test('revocable resources only go to frameworks that accept them', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'plain', roles: ['a'] });
  a.addFramework({ id: 'oversub', roles: ['b'], capabilities: ['REVOCABLE_RESOURCES'] });
  a.addAgent(agent('ag').cpus(1).mem(64).with(revocable(cpus(8))).build());
  const cycle = a.allocate(0);
  // scan 1: a = b = 0 → plain gets cpus:1 mem:64 (revocable stripped)
  // scan 2: b = 0 < a → oversub gets the revocable cpus:8
  assert.equal(brief(cycle), [
    [1, 'plain', 'a', 'ag'],
    [2, 'oversub', 'b', 'ag'],
  ]);
  assert.equal(cycle.offer(0).resources, [cpus(1), mem(64)]);
  assert.equal(cycle.offer(1).resources, [revocable(cpus(8))]);
});

test('reserved resources go only to their role and its descendants', () => {
  const a = new ReferenceAllocator();
  a.addFramework({ id: 'ops', roles: ['ops'] });
  a.addFramework({ id: 'ml', roles: ['eng/ml'] });
  a.addAgent(agent('ag').cpus(2, 'eng').mem(64, 'eng').build());
  a.addAgent(agent('zz').cpus(2, 'zz').mem(64, 'zz').build());
  const cycle = a.allocate(0);
  // ag: eng (subtree) = ops = 0, path "eng" < "ops" → eng/ml takes eng's reservation
  // zz: nothing is allocatable to eng/ml or ops: both roles are skipped, uncounted
  assert.equal(brief(cycle), [[1, 'ml', 'eng/ml', 'ag']]);
  assert.equal(cycle.offer(0).resources, [cpus(2, 'eng'), mem(64, 'eng')]);
  assert.equal(cycle.passedOver, NO_REJECTIONS);
});

test.run();
