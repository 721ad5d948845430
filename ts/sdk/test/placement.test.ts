// planLaunches: offers and task requests in, Accept-ready launches out, with
// the native allocator's place() deciding. Real allocator, no fakes.

import { parseResources } from '@tessera/allocator';
import { Offer, fromAllocatorResources, type Resource } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { planLaunches } from '../src/placement.js';

function offer(id: string, agentId: string, resources: string, extra: { role?: string; attributes?: Record<string, string> } = {}): Offer {
  return Offer.fromPartial({
    id,
    agentId,
    frameworkId: 'fw',
    hostname: `${agentId}.example`,
    role: extra.role ?? '*',
    resources: fromAllocatorResources(parseResources(resources)),
    attributes: Object.entries(extra.attributes ?? {}).map(([name, text]) => ({ name, text })),
  });
}

/** Resources as compact text for assertions: 'cpus:1;mem:512;ports:[31000-31001]'. */
function text(resources: Resource[]): string {
  return resources
    .map((r) => {
      const name = r.reservation ? `${r.name}(${r.reservation})` : r.name;
      if (r.scalar) return `${name}:${r.scalar.value}`;
      return `${name}:[${r.ranges!.range.map((x) => `${x.begin}-${x.end}`).join(',')}]`;
    })
    .join(';');
}

const four = (n: number): Offer[] =>
  Array.from({ length: n }, (_, i) => offer(`o${i + 1}`, `a${i + 1}`, 'cpus:4;mem:4096'));

test('binpack fills the first offers first', () => {
  // 4 equal offers of cpus:4; 6 tasks of cpus:1 -> o1 takes 4, o2 takes 2.
  const plan = planLaunches(four(4), [{ idPrefix: 'w', count: 6, resources: 'cpus:1;mem:256' }]);
  assert.equal(
    plan.launches.map((l) => [l.offerIds, l.tasks.length]),
    [
      [['o1'], 4],
      [['o2'], 2],
    ],
  );
  assert.equal(plan.unplaced, []);
  assert.equal(plan.unusedOfferIds, ['o3', 'o4']);
  const task = plan.launches[0]!.tasks[0]!;
  assert.is(task.taskId, 'w-0');
  assert.is(task.name, 'w-0');
  assert.is(task.agentId, 'a1');
  assert.is(text(task.resources), 'cpus:1;mem:256');
});

test('spread uses every offer', () => {
  // 4 offers, 6 tasks: spread puts each next task on the emptiest -> 2,2,1,1.
  const plan = planLaunches(four(4), [{ idPrefix: 'w', count: 6, resources: 'cpus:1;mem:256' }], { strategy: 'spread' });
  assert.is(plan.launches.length, 4);
  assert.equal(plan.launches.map((l) => l.tasks.length).sort(), [1, 1, 2, 2]);
  assert.equal(plan.unusedOfferIds, []);
});

test('task ids are unique, across requests and with firstIndex', () => {
  const plan = planLaunches(four(2), [
    { idPrefix: 'web', count: 3, resources: 'cpus:0.5;mem:64' },
    { name: 'db', count: 2, resources: 'cpus:0.5;mem:64' },
    { idPrefix: 'web', firstIndex: 3, count: 2, resources: 'cpus:0.5;mem:64' },
  ]);
  const ids = plan.launches.flatMap((l) => l.tasks.map((t) => t.taskId)).sort();
  assert.equal(ids, ['db-0', 'db-1', 'web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
  assert.throws(
    () =>
      planLaunches(four(1), [
        { idPrefix: 'web', count: 3, resources: 'cpus:0.1' },
        { idPrefix: 'web', firstIndex: 2, count: 1, resources: 'cpus:0.1' },
      ]),
    /requests\[1\]\.idPrefix: ids 'web-2'\.\.'web-2' overlap those of requests\[0\]/,
  );
});

test('what does not fit is reported with a count and the reason', () => {
  // 2 offers of cpus:4: 8 tasks of cpus:1 fit, 2 more do not.
  const plan = planLaunches(four(2), [
    { idPrefix: 'a', count: 10, resources: 'cpus:1;mem:128' },
    { idPrefix: 'big', count: 1, resources: 'cpus:16' },
  ]);
  assert.is(plan.launches.reduce((n, l) => n + l.tasks.length, 0), 8);
  assert.equal(
    plan.unplaced.map((u) => [u.request.idPrefix, u.count, u.reason]),
    [
      ['a', 2, '2 offer groups lack the resources'],
      ['big', 1, '2 offer groups lack the resources'],
    ],
  );
  assert.equal(planLaunches([], [{ count: 2, resources: 'cpus:1' }]).unplaced[0]?.reason, 'no offers');
});

test('constraints on offer attributes', () => {
  const offers = [
    offer('o1', 'a1', 'cpus:4;mem:1024', { attributes: { zone: 'east' } }),
    offer('o2', 'a2', 'cpus:4;mem:1024', { attributes: { zone: 'west' } }),
  ];
  const plan = planLaunches(offers, [
    { idPrefix: 'w', count: 5, resources: 'cpus:1', constraints: [[{ attribute: 'zone', op: 'equals', value: 'west' }]] },
  ]);
  assert.equal(plan.launches.map((l) => [l.agentId, l.tasks.length]), [['a2', 4]]);
  assert.equal(plan.unplaced.map((u) => [u.count, u.reason]), [[1, '1 offer group lacks the resources, 1 offer group fails the constraints']]);
});

test('ports are picked from the offered ranges, distinct per task', () => {
  const offers = [offer('o1', 'a1', 'cpus:4;mem:4096;ports:[31000-31002,31010-31019]')];
  const plan = planLaunches(offers, [{ idPrefix: 'p', count: 3, resources: 'cpus:0.1;mem:32;ports:2' }]);
  assert.equal(
    plan.launches[0]!.tasks.map((t) => text(t.resources)),
    [
      'cpus:0.1;mem:32;ports:[31000-31001]',
      'cpus:0.1;mem:32;ports:[31002-31002,31010-31010]',
      'cpus:0.1;mem:32;ports:[31011-31012]',
    ],
  );
});

test('offers of one agent and role are accepted together; reserved resources are taken first', () => {
  const offers = [
    offer('o1', 'a1', 'cpus:1;mem:1024;cpus(ml):1', { role: 'ml' }),
    offer('o2', 'a1', 'cpus:1;mem:1024', { role: 'ml' }),
    offer('o3', 'a2', 'cpus:1;mem:1024', { role: 'ml' }),
  ];
  // a1 holds cpus:3 (1 reserved); binpack prefers a2 (less free), then a1.
  const plan = planLaunches(offers, [{ idPrefix: 't', count: 3, resources: 'cpus:1.5;mem:100' }]);
  const onA1 = plan.launches.find((l) => l.agentId === 'a1')!;
  assert.equal(onA1.offerIds, ['o1', 'o2']);
  assert.is(onA1.role, 'ml');
  assert.equal(onA1.tasks.map((t) => text(t.resources)), ['cpus(ml):1;cpus:0.5;mem:100', 'cpus:1.5;mem:100']);
  assert.equal(plan.unplaced.map((u) => u.count), [1]);
});

test('the task carries the request command, labels and name', () => {
  const plan = planLaunches(four(1), [
    {
      name: 'hello',
      idPrefix: 'h',
      resources: [{ name: 'cpus', scalar: { value: 0.25 }, reservation: '', revocable: false }],
      command: { value: 'echo hi', shell: true },
      labels: { team: 'infra' },
    },
  ]);
  const task = plan.launches[0]!.tasks[0]!;
  assert.is(task.name, 'hello');
  assert.is(task.taskId, 'h-0');
  assert.is(task.command?.value, 'echo hi');
  assert.is(task.command?.shell, true);
  assert.equal(task.labels?.labels, [{ key: 'team', value: 'infra' }]);
});

test('bad requests are TypeErrors naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ resources: 'cpus:-1' }, /requests\[0\]\.resources\[0\]: cpus must be a finite amount >= 0/],
    [{ resources: 'cpus' }, /requests\[0\]\.resources\[0\]: must be name:amount/],
    [{ resources: 'ports:[1-2]' }, /ask for a number of values/],
    [{ resources: 'cpus(ml):1' }, /a request names amounts only/],
    [{ resources: '' }, /must ask for at least one resource/],
    [{ resources: 'cpus:1', count: 1.5 }, /requests\[0\]\.count: must be an integer >= 0/],
    [{ resources: 'cpus:1', idPrefix: 'a/b' }, /requests\[0\]\.idPrefix: must not contain '\/'/],
    [{ resources: 'cpus:0.0001' }, /more than 3 decimal digits/],
  ];
  for (const [request, expected] of cases) {
    assert.throws(() => planLaunches(four(1), [request as never]), expected, JSON.stringify(request));
  }
  assert.throws(() => planLaunches(four(1), [], { strategy: 'random' as never }), /options\.strategy/);
});

test('1,000 offers and 5,000 tasks plan in well under a second', () => {
  const offers = Array.from({ length: 1000 }, (_, i) => offer(`o${i}`, `a${i}`, 'cpus:8;mem:16384;ports:[31000-31999]'));
  planLaunches(offers, [{ count: 10, resources: 'cpus:0.5' }]); // warm up the addon and the JIT
  const started = performance.now();
  const plan = planLaunches(offers, [{ idPrefix: 'x', count: 5000, resources: 'cpus:0.5;mem:256;ports:1' }], { strategy: 'spread' });
  const ms = performance.now() - started;
  assert.is(plan.launches.length, 1000);
  assert.is(plan.unplaced.length, 0);
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

test.run();
