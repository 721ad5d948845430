// Errors: each bad call throws an AllocatorError with the catalogue's code and
// leaves the state exactly as it was (SEMANTICS.md, "Every operation validates
// all its input before it changes anything"; the codes are the table under
// "Errors" in native/allocator/README.md). The messages and their field paths
// are each package's own: native/allocator/test/bad-input.test.ts,
// ts/allocator-reference/test/errors.test.ts.

import { AllocatorError } from '@tessera/allocator/errors';
import type { AllocatorApi } from '@tessera/allocator/types';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { both, type Make } from './both.ts';
import { agent, cpus, mem, throwsCode } from './builders.ts';

/** Two frameworks, two agents, one offer each, a weight and a quota. */
function busy(make: Make): AllocatorApi {
  const a = make();
  a.addFramework({ id: 'f1', roles: ['a'] });
  a.addFramework({ id: 'f2', roles: ['b'] });
  a.setWeights({ a: 2 });
  a.setQuota('b', { limits: { cpus: 100 } });
  a.addAgent(agent('ag1').cpus(4).mem(1024).using('f1', 'a', cpus(1)).build());
  a.addAgent(agent('ag2').cpus(4).mem(1024).build());
  a.allocate(0); // offer 1: f2 on ag1, offer 2: f1 on ag2
  return a;
}

function snapshot(a: AllocatorApi): string {
  return JSON.stringify({
    agents: ['ag1', 'ag2'].map((id) => a.agent(id)),
    frameworks: ['f1', 'f2'].map((id) => a.framework(id)),
    roles: ['a', 'b', '*'].map((name) => a.role(name)),
    offers: [1, 2, 3].map((id) => a.offer(id) ?? null),
    roleOrder: a.roleOrder(),
    stats: a.stats(),
  });
}

/** `op` on the busy allocator fails with `code`, and the state is exactly as before. */
function failsCleanly(make: Make, code: string, op: (a: AllocatorApi) => unknown): void {
  const a = busy(make);
  const before = snapshot(a);
  throwsCode(() => op(a), code);
  assert.is(snapshot(a), before);
}

both('the setup is what the cases assume', (make) => {
  const a = busy(make);
  assert.equal(a.offer(1)?.frameworkId, 'f2');
  assert.equal(a.offer(2)?.frameworkId, 'f1');
  assert.is(a.stats().offers, 2);
});

both('unknown and duplicate ids', (make) => {
  failsCleanly(make, 'ERR_UNKNOWN_FRAMEWORK', (a) => a.removeFramework('nope'));
  failsCleanly(make, 'ERR_UNKNOWN_AGENT', (a) => a.removeAgent('nope'));
  failsCleanly(make, 'ERR_UNKNOWN_AGENT', (a) => a.agent('nope'));
  failsCleanly(make, 'ERR_DUPLICATE_FRAMEWORK', (a) => a.addFramework({ id: 'f1', roles: ['c'] }));
  failsCleanly(make, 'ERR_DUPLICATE_AGENT', (a) => a.addAgent(agent('ag1').cpus(1).build()));
  failsCleanly(make, 'ERR_INVALID_ID', (a) => a.addFramework({ id: 'a/b', roles: [] }));
  failsCleanly(make, 'ERR_INVALID_ID', (a) => a.addAgent(agent('..').cpus(1).build()));
});

both('offer ids must be known and distinct', (make) => {
  failsCleanly(make, 'ERR_UNKNOWN_OFFER', (a) => a.decline([1, 99], { now: 0 }));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.decline([1, 1], { now: 0 }));
  failsCleanly(make, 'ERR_UNKNOWN_OFFER', (a) => a.rescind(99));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.accept([], [], { now: 0 }));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.accept([1, 2], [], { now: 0 })); // different frameworks and agents
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.decline([1], { refuseSeconds: -1, now: 0 }));
});

both('resources that are not there', (make) => {
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.accept(1, [cpus(100)], { now: 0 }));
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.accept(1, [cpus(1, 'b')], { now: 0 }));
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.recover('f1', 'ag1', 'a', [cpus(2)]));
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.recover('f1', 'ag1', 'b', [cpus(1)]));
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.updateAgent('ag1', { resources: [mem(1024)] })); // f1 uses a cpu
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) =>
    a.addAgent(agent('ag3').cpus(1).using('f1', 'a', cpus(1)).using('f2', 'b', cpus(1)).build()),
  );
  failsCleanly(make, 'ERR_INSUFFICIENT_RESOURCES', (a) => a.addAgent(agent('ag3').cpus(1, 'b').using('f1', 'a', cpus(1, 'b')).build()));
  failsCleanly(make, 'ERR_UNKNOWN_FRAMEWORK', (a) => a.addAgent(agent('ag3').cpus(1).using('nope', 'a', cpus(1)).build()));
});

both('malformed amounts, roles and weights', (make) => {
  failsCleanly(make, 'ERR_INVALID_RESOURCE', (a) => a.addAgent(agent('ag3').cpus(-1).build()));
  failsCleanly(make, 'ERR_INVALID_RESOURCE', (a) => a.addAgent(agent('ag3').cpus(NaN).build()));
  failsCleanly(make, 'ERR_INVALID_RESOURCE', (a) => a.accept(1, [cpus(0.0001)], { now: 0 }));
  failsCleanly(make, 'ERR_INVALID_ROLE', (a) => a.addFramework({ id: 'f3', roles: ['ok', 'eng//ml'] }));
  for (const bad of ['', '.', 'a/..', '-x', 'a/*', 'a b', 'a\\b', '/a', 'a/']) {
    failsCleanly(make, 'ERR_INVALID_ROLE', (a) => a.role(bad));
  }
  failsCleanly(make, 'ERR_INVALID_WEIGHT', (a) => a.setWeights({ c: 2, d: 0 }));
  failsCleanly(make, 'ERR_INVALID_WEIGHT', (a) => a.setWeights({ c: Infinity }));
  failsCleanly(make, 'ERR_INVALID_QUOTA', (a) => a.setQuota('c', { guarantees: { cpus: 2 }, limits: { cpus: 1 } }));
  failsCleanly(make, 'ERR_INVALID_RESOURCE', (a) => a.addAgent({ id: 'ag3', resources: 'cpus:4;mem:lots' }));
});

both('a batch of agents is all or nothing', (make) => {
  failsCleanly(make, 'ERR_INVALID_RESOURCE', (a) =>
    a.addAgents([agent('ag3').cpus(1).build(), agent('ag4').with({ name: 'x', scalar: 1 }, { name: 'x', ranges: [[1, 2]] }).build()]),
  );
  const a = busy(make);
  // A failed call learns no resource kinds: `slots` is still free to be ranges.
  throwsCode(
    () => a.addAgents([agent('ag3').with({ name: 'slots', scalar: 1 }).build(), agent('ag1').cpus(1).build()]),
    'ERR_DUPLICATE_AGENT',
  );
  a.addAgent(agent('ag3').with({ name: 'slots', ranges: [[1, 4]] }).build());
  assert.equal(a.agent('ag3').total, [{ name: 'slots', ranges: [[1, 4]] }]);
});

// The catalogue: ERR_INVALID_ARGUMENT for "an id repeated in one call",
// ERR_DUPLICATE_AGENT for "an agent with this id exists".
both('an id given twice in one batch is an invalid argument, not a duplicate agent', (make) => {
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.addAgents([agent('ag3').cpus(1).build(), agent('ag3').cpus(1).build()]));
});

both('frameworks: suppressed roles must be subscribed', (make) => {
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.addFramework({ id: 'f3', roles: ['a'], suppressedRoles: ['b'] }));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.suppress('f1', ['b']));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.updateFramework('f1', { suppressedRoles: ['zzz'] }));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.addFramework({ id: 'f3', roles: ['a', 'a'] }));
  failsCleanly(make, 'ERR_INVALID_ARGUMENT', (a) => a.addFramework({ id: 'f3', roles: ['a'], capabilities: ['TELEPATHY' as 'MULTI_ROLE'] }));
});

both('errors are typed, coded and name the field', (make) => {
  const a = busy(make);
  // throwsCode checks that it is an AllocatorError
  const err = throwsCode(() => a.addAgent(agent('ag3').cpus(1).mem(-5).build()), 'ERR_INVALID_RESOURCE', /^addAgent: .*resources\[1\]\.scalar: must not be negative \(got -5\)$/);
  assert.instance(err, AllocatorError);
});

test.run();
