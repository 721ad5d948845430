// The native result objects: an Allocation is a lazy list over the offers of
// one cycle — ids in a Float64Array, each offer decoded on demand — so an offer
// whose framework has since been removed can no longer be decoded. What the
// offers are is the conformance suite's (test/allocator/conformance).

import { Allocator, heapBytes, UnknownFrameworkError } from '@tessera/allocator';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agent, cpus, mem, throwsAllocatorError, tieOrder } from '../../../test/allocator/conformance/builders.js';

test('an Allocation is a lazy list of offers', () => {
  const a = new Allocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag1').cpus(1).mem(64).build());
  a.addAgent(agent('ag2').cpus(2).mem(64).build());
  // both at util 0: ag1 comes first in cycle 1's shuffle, shuffle(0, 1) = 0x11fd02eb < shuffle(1, 1) = 0xb19fea7c
  assert.equal(tieOrder({ ag1: 0, ag2: 1 }, 1), ['ag1', 'ag2']);
  const cycle = a.allocate(0);
  assert.ok(cycle.offerIds instanceof Float64Array);
  assert.equal([...cycle.offerIds], [1, 2]);
  assert.equal(cycle.offer(1), { id: 2, frameworkId: 'f', role: 'r', agentId: 'ag2', resources: [cpus(2), mem(64)] });
  assert.equal([...cycle].map((o) => o.id), [1, 2]);
  assert.equal(a.offer(2), cycle.offer(1));
  assert.throws(() => cycle.offer(2), RangeError);
  assert.throws(() => cycle.offer(-1), RangeError);
});

test('cycles run back to back without yielding keep no old results alive', () => {
  // A cycle's arrays live in memory V8 owns and collects when it must; external
  // buffers would be freed only when the event loop turns, so this loop would
  // hold all 60 tapes (about 0.4 MiB each) until it returned.
  const a = new Allocator();
  for (let i = 0; i < 50; i++) a.addFramework({ id: `f${i}`, roles: ['*'] });
  a.addAgents(Array.from({ length: 2000 }, (_, i) => ({ id: `a${i}`, resources: 'cpus:24;mem:4096;disk:4096;ports:[31000-31999]' })));
  const warm = a.allocate(0);
  a.rescind(warm.offerIds);
  const before = heapBytes();
  for (let r = 1; r <= 60; r++) {
    const cycle = a.allocate(r);
    assert.is(cycle.length, 2000);
    a.rescind(cycle.offerIds);
  }
  const grown = heapBytes() - before;
  assert.ok(grown < 1 << 20, `the addon's heap grew by ${grown} bytes over 60 cycles`);
});

test('offers of an allocation decode lazily: a removed framework cannot be named', () => {
  const a = new Allocator();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(1).mem(64).build());
  const cycle = a.allocate(0);
  assert.equal(a.removeFramework('f'), [1]);
  assert.equal([...cycle.offerIds], [1], 'the ids are still there');
  throwsAllocatorError(() => cycle.offer(0), UnknownFrameworkError, 'ERR_UNKNOWN_FRAMEWORK', /has been removed/);
});

test.run();
