// The views: agent(), framework(), role(), offer() describe the state and are
// copies of it (SEMANTICS.md, "Operations"; the quota fields of role() are in
// quota.test.ts).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both } from './both.ts';
import { agent, cpus, mem } from './builders.ts';

both('an agent view: hostname defaults to the id, attributes as given, used by framework then role', (make) => {
  const a = make();
  a.addFramework({ id: 'z', roles: ['r'] });
  a.addFramework({ id: 'y', roles: ['r', 'q'] });
  a.addAgent(
    agent('ag')
      .attr('rack', 0.125)
      .attr('zone', 'us')
      .cpus(8)
      .mem(64)
      .using('z', 'r', cpus(1))
      .using('y', 'r', cpus(1))
      .using('y', 'q', cpus(1))
      .build(),
  );
  const view = a.agent('ag');
  assert.is(view.hostname, 'ag');
  assert.equal(view.attributes, { rack: 0.125, zone: 'us' });
  assert.equal(view.used.map((u) => `${u.frameworkId}/${u.role}`), ['y/q', 'y/r', 'z/r']);
});

both('views are copies', (make) => {
  const a = make();
  a.addFramework({ id: 'f', roles: ['r'] });
  a.addAgent(agent('ag').attr('zone', 'us').cpus(8).mem(64).build());
  const view = a.agent('ag');
  view.total.push(cpus(100));
  view.attributes.zone = 'eu';
  assert.equal(a.agent('ag').total, [cpus(8), mem(64)]);
  assert.equal(a.agent('ag').attributes, { zone: 'us' });
  const offer = a.allocate(0).offer(0);
  offer.resources.length = 0;
  assert.equal(a.offer(1)!.resources, [cpus(8), mem(64)]);
});

test.run();
