// AllocationLoop: triggers coalesce into one cycle; wake-ups run a cycle at
// each filter expiry, earliest first, however they were registered.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AllocationLoop } from '../src/allocation-loop.js';
import { monotonicNow } from '../src/clock.js';
import { eventually } from './support.js';

test('a burst of triggers runs one cycle', async () => {
  let cycles = 0;
  const loop = new AllocationLoop(() => cycles++, 20);
  for (let i = 0; i < 100; i++) loop.trigger();
  await eventually(() => cycles === 1, 'one cycle');
  loop.trigger();
  await eventually(() => cycles === 2, 'a later trigger runs another');
  loop.stop();
});

test('wake-ups fire in time order, each running a cycle', async () => {
  const at: number[] = [];
  const loop = new AllocationLoop(() => at.push(monotonicNow()), 0);
  const start = monotonicNow();
  loop.wakeAt(start + 300);
  loop.wakeAt(start + 100);
  loop.wakeAt(start + 200);
  await eventually(() => at.length === 3, 'three cycles', 2000);
  assert.ok(at[0]! - start >= 95, `first after ~100 ms (${at[0]! - start})`);
  assert.ok(at[2]! - start >= 295, `last after ~300 ms (${at[2]! - start})`);
  loop.stop();
});

test('stop cancels what is pending', async () => {
  let cycles = 0;
  const loop = new AllocationLoop(() => cycles++, 30);
  loop.trigger();
  loop.wakeAt(monotonicNow() + 50);
  loop.stop();
  const until = Date.now() + 150;
  await eventually(() => Date.now() > until, 'time to pass');
  assert.is(cycles, 0);
});

test.run();
