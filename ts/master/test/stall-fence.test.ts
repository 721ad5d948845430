// The stall fence (leadership/stall-fence.ts) on a really stalled event loop:
// the leader holds its calls from the moment it notices the stall until
// ZooKeeper confirms its leadership. Unit test: `confirm` is a stand-in for
// the ZooKeeper round trip (test/ha's leader-pause scenario runs the real one).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { createLogger } from '@tessera/common';

import { StallFence } from '../src/leadership/stall-fence.js';

const log = createLogger('test', { level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a real stall: nothing else runs
  }
}

test('open while the loop turns; held right after a stall (before any timer ran); open again once confirmed', async () => {
  let answer!: (ok: boolean) => void;
  let asked = 0;
  const fence = new StallFence(150, () => {
    asked++;
    return new Promise<boolean>((resolve) => (answer = resolve));
  }, log);
  fence.start();
  try {
    await sleep(300);
    assert.ok(fence.open, 'open on a healthy loop');
    stall(400);
    assert.not.ok(fence.open, 'held at once after the stall, before the interval had a turn');
    await sleep(50);
    assert.is(asked, 1, 'ZooKeeper asked once');
    assert.not.ok(fence.open, 'still held while unconfirmed');
    answer(true);
    await sleep(10);
    assert.ok(fence.open, 'open once confirmed');
  } finally {
    fence.stop();
  }
});

test('a confirmation that says no (the node is gone) keeps it held', async () => {
  const fence = new StallFence(100, async () => false, log);
  fence.start();
  try {
    await sleep(200);
    stall(300);
    assert.not.ok(fence.open);
    await sleep(300);
    assert.not.ok(fence.open, 'never reopened without a yes');
  } finally {
    fence.stop();
  }
});

test.run();
