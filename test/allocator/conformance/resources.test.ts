// Resources as the allocator takes and returns them: the Mesos text form and
// the object form, merging, canonical order, ranges, exact thousandths, and
// free = total − offered − used (SEMANTICS.md, "Units" and "Resources").
// parseResources() itself is the native package's: native/allocator/test/resources.test.ts.

import { InvalidResourceError } from '@tessera/allocator/errors';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both } from './both.ts';
import { agent, cpus, mem, ports, revocable, throwsAllocatorError } from './builders.ts';

both('the text form and the object form describe the same agent', (make) => {
  const a = make();
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
});

both('resources with the same name, reservation and revocability merge', (make) => {
  const a = make();
  a.addAgent(agent('ag').cpus(1).with(revocable(cpus(1))).cpus(2).with(revocable(cpus(0.5))).build());
  assert.equal(a.agent('ag').total, [cpus(3), revocable(cpus(1.5))], 'revocable cpus are another resource');
  a.addAgent({ id: 'text', resources: 'cpus:1;mem:64;cpus:2.5;cpus(ml):1;cpus(ml):0.5;mem:64' });
  assert.equal(a.agent('text').total, [cpus(3.5), cpus(1.5, 'ml'), mem(128)]);
});

both('returned resources are in canonical order', (make) => {
  const a = make();
  a.addAgent(
    agent('ag')
      .mem(512)
      .cpus(1, 'eng')
      .with(revocable(cpus(2)))
      .cpus(1, 'a')
      .cpus(0.5)
      .with({ name: 'disk', scalar: 1, reservation: '*' }) // `*` is unreserved
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
  // offers come out in the same order
  a.addFramework({ id: 'f', roles: ['a'], capabilities: ['REVOCABLE_RESOURCES'] });
  assert.equal(a.allocate(0).offer(0).resources, [cpus(0.5), revocable(cpus(2)), cpus(1, 'a'), { name: 'disk', scalar: 1 }, mem(512)]);
});

both('ranges: adjacent intervals merge, given in any order', (make) => {
  const a = make();
  a.addAgent(agent('ag').ports([31005, 31009], [31000, 31004], [31020, 31020]).build());
  assert.equal(a.agent('ag').total, [ports([31000, 31009], [31020, 31020])]);
});

both('fractional amounts round to the nearest thousandth', (make) => {
  const a = make();
  a.addAgent(agent('ag').cpus(1.2344).mem(1.2346).with({ name: 'disk', scalar: 0.0005 }).build());
  assert.equal(a.agent('ag').total, [cpus(1.234), { name: 'disk', scalar: 0.001 }, mem(1.235)]);
  // a positive amount that rounds to zero is an error, not a silent zero
  throwsAllocatorError(() => a.addAgent(agent('crumb').cpus(0.0004).build()), InvalidResourceError, 'ERR_INVALID_RESOURCE');
  assert.is(a.stats().agents, 1);
});

both('arithmetic is exact: 0.1 + 0.2 cpus is 0.3 cpus', (make) => {
  const a = make({ minAllocatable: [] });
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').cpus(1).mem(64).build());
  a.accept(a.allocate(0).offerIds, [cpus(0.1)], { refuseSeconds: 0, now: 0 });
  a.accept(a.allocate(0).offerIds, [cpus(0.2)], { refuseSeconds: 0, now: 0 });
  // in doubles 1 − 0.1 − 0.2 = 0.7000000000000001; in thousandths 1000 − 100 − 200 = 700
  assert.equal(a.agent('ag').free, [cpus(0.7), mem(64)]);
  assert.equal(a.agent('ag').used, [{ frameworkId: 'f', role: 'r', resources: [cpus(0.3)] }]); // not 0.30000000000000004
  assert.equal(a.framework('f').allocated, { r: { cpus: 0.3 } });
  a.recover('f', 'ag', 'r', [cpus(0.1)], { now: 0 });
  a.recover('f', 'ag', 'r', [cpus(0.2)], { now: 0 });
  assert.equal(a.agent('ag').free, [cpus(1), mem(64)]);
  assert.equal(a.agent('ag').used, []);
});

both('a name keeps the kind of its first use', (make) => {
  const a = make();
  a.addAgent(agent('ag1').with({ name: 'licenses', scalar: 2 }).build());
  throwsAllocatorError(() => a.addAgent(agent('ag2').with({ name: 'licenses', ranges: [[1, 2]] }).build()), InvalidResourceError, 'ERR_INVALID_RESOURCE');
  throwsAllocatorError(() => a.addAgent(agent('ag2').with({ name: 'ports', scalar: 2 }).build()), InvalidResourceError, 'ERR_INVALID_RESOURCE');
  throwsAllocatorError(() => a.addAgent(agent('ag2').with({ name: 'cpus', ranges: [[1, 2]] }).build()), InvalidResourceError, 'ERR_INVALID_RESOURCE');
  assert.is(a.stats().agents, 1);
});

both('an agent keeps free = total − offered − used', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['web'] });
  a.addAgent(agent('ag').cpus(4).mem(1024).ports([31000, 31009]).using('f', 'web', cpus(1), ports([31000, 31001])).build());
  assert.equal(a.agent('ag').free, [cpus(3), mem(1024), ports([31002, 31009])]);
  const [offer] = a.allocate(0);
  assert.equal(offer!.resources, a.agent('ag').offered[0]!.resources);
  a.accept(offer!.id, [cpus(0.5), ports([31005, 31005])], { now: 0 });
  const view = a.agent('ag');
  assert.equal(view.used, [{ frameworkId: 'f', role: 'web', resources: [cpus(1.5), ports([31000, 31001], [31005, 31005])] }]);
  assert.equal(view.free, [cpus(2.5), mem(1024), ports([31002, 31004], [31006, 31009])]);
  assert.equal(a.framework('f').allocated, { web: { cpus: 1.5 } }); // ports are not scalar quantities
});

test.run();
