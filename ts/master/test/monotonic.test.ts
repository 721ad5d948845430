// The removal rate limiter, and monotonic clocks: a master whose decline filter
// must hold while the wall clock (Date.now) jumps hours ahead. The jump is made
// by replacing Date.now in this process only; the master's timers and the
// allocator's filters run on performance.now and must not notice.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { RemovalLimiter, parseRemovalRate } from '../src/removal-limiter.js';
import { FakeAgent, TestScheduler, eventually, startTestMaster } from './support.js';

const realNow = Date.now;

function jumpWallClock(ms: number): () => void {
  Date.now = () => realNow.call(Date) + ms;
  return () => {
    Date.now = realNow;
  };
}

test('parseRemovalRate reads Mesos rates', () => {
  assert.equal(parseRemovalRate('r', '100/1mins'), { permits: 100, durationMs: 60_000, text: '100/1mins' });
  assert.equal(parseRemovalRate('r', '1/10secs').durationMs, 10_000);
  assert.equal(parseRemovalRate('r', '2/3hrs').durationMs, 3 * 3_600_000);
  assert.equal(parseRemovalRate('r', ' 5 / 1.5days ').permits, 5);
  assert.throws(() => parseRemovalRate('r', '1/'), /^r: not a rate/);
});

test('the limiter: without a rate at once; with one, evenly spaced, first come first served, a cancelled waiter skipped', async () => {
  const order: string[] = [];
  const free = new RemovalLimiter(undefined);
  free.acquire(() => order.push('now'));
  assert.equal(order, ['now'], 'synchronously');

  const limiter = new RemovalLimiter(parseRemovalRate('r', '1/100ms'));
  limiter.acquire(() => order.push('a'));
  const cancelB = limiter.acquire(() => order.push('b'));
  limiter.acquire(() => order.push('c'));
  limiter.acquire(() => order.push('d'));
  assert.equal(order, ['now', 'a'], 'the first permit at once');
  assert.is(limiter.waiting, 3);
  cancelB();
  assert.is(limiter.waiting, 2);
  await eventually(() => order.length === 4, 'c and d', 3000);
  assert.equal(order, ['now', 'a', 'c', 'd']);
  limiter.stop();
});

test('a decline filter holds while the wall clock jumps hours ahead', async () => {
  const tm = await startTestMaster({});
  const s = new TestScheduler(tm.master.grpcAddress);
  const a1 = new FakeAgent(tm.master.grpcAddress, { hostname: 'a1' });
  const a2 = new FakeAgent(tm.master.grpcAddress, { hostname: 'a2' });
  let restore = (): void => undefined;
  try {
    await s.subscribe({ name: 'clock' });
    await a1.register();
    const [offer] = await s.offers();
    assert.is(offer!.agentId, a1.id);
    assert.is(await s.call('decline', { header: s.header, offerIds: [offer!.id], filters: { refuseSeconds: 3600 } }), null);

    restore = jumpWallClock(3 * 3_600_000);
    // A new agent makes an allocation cycle run while the wall clock says the filter is long past.
    await a2.register();
    const offers = await s.offers('the new agent offered');
    assert.ok(offers.every((o) => o.agentId === a2.id), 'only the new agent is offered');
    assert.ok(await s.events.none((e) => e.offers?.offers.some((o) => o.agentId === a1.id) ?? false, 300), 'the declined agent stays filtered');
  } finally {
    restore();
    s.close();
    a1.close();
    a2.close();
    await tm.stop();
  }
});

test.run();
