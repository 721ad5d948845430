// parseResources(), the native package's reader of the Mesos text form: merging,
// canonical order, ranges, exact thousandths (SEMANTICS.md, "Units" and
// "Resources"); and the field paths of the resource errors of addAgent. What an
// agent's resources become inside the allocator is the conformance suite's
// (test/allocator/conformance/resources.test.ts).

import { Allocator, InvalidResourceError, parseResources } from '@tessera/allocator';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agent, cpus, mem, ports, throwsAllocatorError } from '../../../test/allocator/conformance/builders.js';

test('parseResources reads the text form as the allocator does', () => {
  // what the allocator makes of it is pinned, value by value, in conformance/resources.test.ts
  const text = 'cpus:4;mem:8192;disk:100;ports:[31000-31009,31020-31029];cpus(ml):2;gpus:1';
  const a = new Allocator();
  a.addAgent({ id: 'text', resources: text });
  assert.equal(parseResources(text), a.agent('text').total);
  assert.is(parseResources(text).length, 6);
});

test('parseResources: whitespace, `*` and empty input', () => {
  assert.equal(parseResources('  cpus : 1 ;mem:2 '), [cpus(1), mem(2)]);
  assert.equal(parseResources('cpus(*):3'), [cpus(3)], '`*` means unreserved');
  assert.equal(parseResources(''), []);
  assert.equal(parseResources('cpus:0;ports:[]'), [], 'zero amounts and empty range sets vanish');
  // names other than the five built-ins take the kind of their first use
  assert.equal(parseResources('licenses:3;slots:[1-4]'), [{ name: 'licenses', scalar: 3 }, { name: 'slots', ranges: [[1, 4]] }]);
});

test('parseResources merges resources with the same name, reservation and revocability', () => {
  assert.equal(parseResources('cpus:1;mem:64;cpus:2.5;cpus(ml):1;cpus(ml):0.5;mem:64'), [cpus(3.5), cpus(1.5, 'ml'), mem(128)]);
});

test('parseResources returns resources in canonical order', () => {
  // by name; then unreserved, reserved by role name (by byte: 'B' < 'b')
  assert.equal(parseResources('mem(b):1;mem:1;cpus(b):1;cpus(B):1;cpus:1'), [cpus(1), cpus(1, 'B'), cpus(1, 'b'), mem(1), mem(1, 'b')]);
});

test('parseResources: adjacent intervals merge, given in any order', () => {
  assert.equal(parseResources('ports:[10-12,1-3,4-5]'), [ports([1, 5], [10, 12])]);
  assert.equal(parseResources('ports:[1-5];ports:[6-6]'), [ports([1, 6])], 'across two entries of one resource');
  assert.equal(parseResources('ports:[0-9007199254740991]'), [ports([0, Number.MAX_SAFE_INTEGER])]);
});

test('ranges that overlap or run backwards are refused', () => {
  throwsAllocatorError(() => parseResources('ports:[1-5,5-6]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.ranges\[1\]: overlaps/);
  throwsAllocatorError(() => parseResources('ports:[5-3]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.ranges\[0\]: begin 5 is after end 3/);
  throwsAllocatorError(() => parseResources('ports:[1-5];ports:[3-4]'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[1\]\.ranges/);
});

test('fractional amounts round to the nearest thousandth', () => {
  assert.equal(parseResources('cpus:1.2344;mem:1.2346;disk:0.0005'), [cpus(1.234), { name: 'disk', scalar: 0.001 }, mem(1.235)]);
  // a positive amount that rounds to zero is an error, not a silent zero; the message names the field
  throwsAllocatorError(() => parseResources('cpus:0.0004'), InvalidResourceError, 'ERR_INVALID_RESOURCE', /resources\[0\]\.scalar: 0\.0004 rounds to zero/);
  throwsAllocatorError(
    () => new Allocator().addAgent(agent('crumb').cpus(0.0004).build()),
    InvalidResourceError,
    'ERR_INVALID_RESOURCE',
    /agent\.resources\[0\]\.scalar: 0\.0004 rounds to zero/,
  );
});

test('parseResources is exact: 0.1 + 0.2 cpus is 0.3 cpus', () => {
  assert.equal(parseResources('cpus:0.1;cpus:0.2'), [cpus(0.3)]); // not 0.30000000000000004
});

test('a name keeps the kind of its first use: the errors name the field', () => {
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
