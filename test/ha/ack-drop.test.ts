// A framework that never acknowledges: the agent resends each task's head
// update with a doubling backoff (statusUpdateRetry, made short here through
// test/ha/agent-process.ts: the CLI has no flag for it), always with the same
// uuid, and nothing behind the head goes out — so order per task holds. Once
// the framework acknowledges, the queued updates follow in order, each once.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { sleep } from './util.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

test('acknowledgements dropped: resends of the same uuid back off exponentially, nothing overtakes the head; acked, the rest follows in order', async () => {
  h = await Harness.start();
  await h.master();
  await h.agent({ statusUpdateRetry: { initialMs: 200, maxMs: 1600 } });
  const fw = h.framework('no-acks', { holdAcks: true });
  // short ends (FAILED, exit 3) while its STARTING still waits for an ack.
  fw.launch([{ taskId: 'ad-long' }, { taskId: 'ad-short', command: 'sleep 0.3; exit 3' }]);
  await h.waitForUpdate(fw.name, (u) => u.taskId === 'ad-long');
  await sleep(6000);

  for (const taskId of ['ad-long', 'ad-short']) {
    const seen = fw.updates(taskId);
    assert.ok(seen.length >= 5, `${taskId}: resent at least 4 times in 6 s (got ${seen.length} deliveries)`);
    assert.equal([...new Set(seen.map((u) => u.state))], ['STARTING'], `${taskId}: only its head, STARTING`);
    assert.is(new Set(seen.map((u) => u.uuid)).size, 1, `${taskId}: always the same uuid`);
    const gaps = seen.slice(1).map((u, i) => u.at - seen[i]!.at);
    console.log(`  ${taskId}: ${seen.length} deliveries, gaps ${gaps.join(', ')} ms`);
    // Doubling, capped at 1.6 s: 200, 400, 800, 1600, 1600… Generous bounds (a
    // noisy machine): the gaps grow (the 3rd at least twice the 1st), none
    // shrinks by more than timer jitter, none passes the cap by much.
    assert.ok(gaps[2]! >= 2 * gaps[0]!, `${taskId}: backoff grows (${gaps.join(', ')})`);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= gaps[i - 1]! * 0.7 - 100, `${taskId}: gap ${i} shrank (${gaps.join(', ')})`);
    assert.ok(Math.max(...gaps) <= 1600 * 1.5 + 500, `${taskId}: capped near maxMs (${gaps.join(', ')})`);
  }

  // Acknowledge from now on: each acknowledgement lets the next update out.
  fw.holdAcks(false);
  await h.waitForUpdate(fw.name, (u) => u.taskId === 'ad-short' && u.state === 'FAILED');
  await h.waitForUpdate(fw.name, (u) => u.taskId === 'ad-long' && u.state === 'RUNNING');
  await sleep(1000);
  await h.oracle.settle();
  const order = (taskId: string): string[] => fw.updates(taskId).map((u) => u.state).filter((s, i, a) => s !== a[i - 1]);
  assert.equal(order('ad-short'), ['STARTING', 'RUNNING', 'FAILED'], h.oracle.dump());
  assert.equal(order('ad-long'), ['STARTING', 'RUNNING'], h.oracle.dump());
  // (A resend may still race an acknowledgement in flight: count uuids, not deliveries.)
  assert.is(new Set(fw.updates('ad-short').filter((u) => u.state !== 'STARTING').map((u) => u.uuid)).size, 2, 'one RUNNING and one FAILED');
  assert.equal(h.oracle.violations, [], h.oracle.dump());
  assert.equal(h.oracle.verify({ 'no-acks': ['ad-long'] }), []);
});

test.run();
