// Resources: the Mesos text form and the object form, merging, canonical
// order, ranges, and exact thousandths (SEMANTICS.md, "Units" and "Resources").

import { Allocator, InvalidResourceError, parseResources } from '@tessera/allocator';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agent, cpus, mem, ports, revocable, throwsAllocatorError } from './helpers.js';

test('the text form and the object form describe the same agent', () => {
  const a = new Allocator();
  a.addAgent({ id: 'text', resources: 'cpus:4;mem:8192;disk:100;ports:[31000-31009,31020-31029];cpus(ml):2;gpus:1' });
  a.addAgent(
    agent('objects')
      .cpus(4)
      .mem(8192)
      .with({ name: 'disk', scalar: 100 })
      .ports([31000, 31009], [31020, 31029])
      .cpus(2, 'ml')
      .gpus(1)
      .build(),
  );
  const expected = [
    { name: 'cpus', scalar: 4 },
    { name: 'cpus', scalar: 2, reservation: 'ml' },
    { name: 'disk', scalar: 100 },
    { name: 'gpus', scalar: 1 },
    { name: 'mem', scalar: 8192 },
    { name: 'ports', ranges: [[31000, 31009], [31020, 31029]] },
  ];
  assert.equal(a.agent('text').total, expected);
  assert.equal(a.agent('objects').total, expected);
  assert.equal(parseResources('cpus:4;mem:8192;disk:100;ports:[31000-31009,31020-31029];cpus(ml):2;gpus:1'), expected);
});

test('parseResources: whitespace, `*` and empty input', () => {
  assert.equal(parseResources('  cpus : 1 ;mem:2 '), [cpus(1), mem(2)]);
  assert.equal(parseResources('cpus(*):3'), [cpus(3)], '`*` means unreserved');
  assert.equal(parseResources(''), []);
  assert.equal(parseResources('cpus:0;ports:[]'), [], 'zero amounts and empty range sets vanish');
  // names other than the five built-ins take the kind of their first use
  assert.equal(parseResources('licenses:3;slots:[1-4]'), [{ name: 'licenses', scalar: 3 }, { name: 'slots', ranges: [[1, 4]] }]);
});

test('resources with the same name, reservation and revocability merge', () => {
  assert.equal(parseResources('cpus:1;mem:64;cpus:2.5;cpus(ml):1;cpus(ml):0.5;mem:64'), [cpus(3.5), cpus(1.5, 'ml'), mem(128)]);
  const a = new Allocator();
  a.addAgent(agent('ag').cpus(1).with(revocable(cpus(1))).cpus(2).with(revocable(cpus(0.5))).build());
  assert.equal(a.agent('ag').total, [cpus(3), revocable(cpus(1.5))], 'revocable cpus are another resource');
});

test('returned resources are in canonical order', () => {
  const a = new Allocator();
  a.addAgent(
    agent('ag')
      .mem(512)
      .cpus(1, 'eng')
      .with(revocable(cpus(2)))
      .cpus(1, 'a')
      .cpus(0.5)
      .with({ name: 'disk', scalar: 1, reservation: '*' })
      .with({ name: 'cpus', scalar: 0 })
      .build(),
  );
  // by name; then unreserved, reserved by role name; then non-revocable, revocable
  assert.equal(a.agent('ag').total, [
    cpus(0.5),
    revocable(cpus(2)),
    cpus(1, 'a'),
    cpus(1, 'eng'),
    { name: 'disk', scalar: 1 },
    mem(512),
  ]);
  assert.equal(parseResources('mem(b):1;mem:1;cpus(b):1;cpus(B):1;cpus:1'), [cpus(1), cpus(1, 'B'), cpus(1, 'b'), mem(1), mem(1, 'b')]);
  // offers come out in the same order
  a.addFramework({ id: 'f', roles: ['a'], capabilities: ['REVOCABLE_RESOURCES'] });
  assert.equal(a.allocate(0).offer(0).resources, [cpus(0.5), revocable(cpus(2)), cpus(1, 'a'), { name: 'disk', scalar: 1 }, mem(512)]);
});

test('ranges: adjacent intervals merge, given in any order', () => {
  assert.equal(parseResources('ports:[10-12,1-3,4-5]'), [ports([1, 5], [10, 12])]);
  assert.equal(parseResources('ports:[1-5];ports:[6-6]'), [ports([1, 6])], 'across two entries of one resource');
  assert.equal(parseResources('ports:[0-9007199254740991]'), [ports([0, Number.MAX_SAFE_INTEGER])]);
  const a = new Allocator();
  a.addAgent(agent('ag').ports([31005, 31009], [31000, 31004], [31020, 31020]).build());
  assert.equal(a.agent('ag').total, [ports([31000, 31009], [31020, 31020])]);
});

test('ranges that overlap or run backwards are refused', () => {
  throwsAllocatorError(() => parseResources('ports:[1-5,5-6]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.ranges\[1\]: overlaps/);
  throwsAllocatorError(() => parseResources('ports:[5-3]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.ranges\[0\]: begin 5 is after end 3/);
  throwsAllocatorError(() => parseResources('ports:[1-5];ports:[3-4]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[1\]\.ranges/);
});

test('fractional amounts round to the nearest thousandth', () => {
  assert.equal(parseResources('cpus:1.2344;mem:1.2346;disk:0.0005'), [cpus(1.234), { name: 'disk', scalar: 0.001 }, mem(1.235)]);
  const a = new Allocator();
  a.addAgent(agent('ag').cpus(1.2344).mem(1.2346).with({ name: 'disk', scalar: 0.0005 }).build());
  assert.equal(a.agent('ag').total, [cpus(1.234), { name: 'disk', scalar: 0.001 }, mem(1.235)]);
  // a positive amount that rounds to zero is an error, not a silent zero
  throwsAllocatorError(() => parseResources('cpus:0.0004'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.scalar: 0\.0004 rounds to zero/);
  throwsAllocatorError(
    () => a.addAgent(agent('crumb').cpus(0.0004).build()),
    InvalidResourceError,
    'ERR_INVALID_RESOURCE',
    /agent\.resources\[0\]\.scalar: 0\.0004 rounds to zero/,
  );
});

test('arithmetic is exact: 0.1 + 0.2 cpus is 0.3 cpus', () => {
  assert.equal(parseResources('cpus:0.1;cpus:0.2'), [cpus(0.3)]); // not 0.30000000000000004
  const a = new Allocator({ minAllocatable: [] });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(1).mem(64).build());
  a.accept(a.allocate(0).offerIds, [cpus(0.1)], { refuseSeconds: 0, now: 0 });
  a.accept(a.allocate(0).offerIds, [cpus(0.2)], { refuseSeconds: 0, now: 0 });
  // in doubles 1 − 0.1 − 0.2 = 0.7000000000000001; in thousandths 1000 − 100 − 200 = 700
  assert.equal(a.agent('ag').free, [cpus(0.7), mem(64)]);
  assert.equal(a.agent('ag').used, [{ frameworkId: 'f', role: 'r', resources: [cpus(0.3)] }]);
  assert.equal(a.framework('f').allocated, { r: { cpus: 0.3 } });
  a.recover('f', 'ag', 'r', [cpus(0.1)], { now: 0 });
  a.recover('f', 'ag', 'r', [cpus(0.2)], { now: 0 });
  assert.equal(a.agent('ag').free, [cpus(1), mem(64)]);
  assert.equal(a.agent('ag').used, []);
});

test('a name keeps the kind of its first use', () => {
  const a = new Allocator();
  a.addAgent(agent('ag1').with({ name: 'licenses', scalar: 2 }).build());
  throwsAllocatorError(
    () => a.addAgent(agent('ag2').with({ name: 'licenses', ranges: [[1, 2]] }).build()),
    InvalidResourceError,
    'ERR_INVALID_RESOURCE',
    /agent\.resources\[0\]\.name: 'licenses' is a scalar resource, not ranges/,
  );
  throwsAllocatorError(
    () => a.addAgent(agent('ag2').with({ name: 'ports', scalar: 2 }).build()),
    InvalidResourceError,
    'ERR_INVALID_RESOURCE',
    /agent\.resources\[0\]\.name: 'ports' is a ranges resource, not scalar/,
  );
  throwsAllocatorError(() => parseResources('gpus:1.5'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.scalar: gpus come whole/);
});

test.run();
