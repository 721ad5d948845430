// A leader whose only ZooKeeper server is paused (SIGSTOP) past the session
// timeout is told it lost leadership; a standby on the other servers leads.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { LeaderDetector } from '../../ts/ha/src/detector.ts';
import { MasterContender } from '../../ts/ha/src/contender.ts';
import { ZkEnsemble } from './zk-ensemble.ts';
import { once, withTimeout } from './util.ts';

let zk: ZkEnsemble;
let paused: number | undefined;
const cleanup: Array<() => void> = [];

test.before(async () => {
  zk = await ZkEnsemble.start();
});

test.after(async () => {
  if (paused !== undefined) zk.resume(paused);
  for (const c of cleanup) c();
  await zk?.stop();
});

test('a leader cut off past its session timeout steps down; the standby leads', async () => {
  const SESSION_MS = 4000;
  // Pause a follower: pausing the quorum leader would also make the others
  // re-elect, which is the quorum test's business, not this one's.
  let victim = 0;
  for (let i = 1; i <= 3; i++) if ((await zk.mode(i)) === 'follower') victim = i;
  assert.ok(victim > 0, 'found a follower');
  const others = [1, 2, 3].filter((i) => i !== victim);

  const leader = new MasterContender({ zk: zk.url('/tessera', [victim]), info: { id: 'm-a', address: '127.0.0.1:6001' }, sessionTimeoutMs: SESSION_MS });
  const standby = new MasterContender({ zk: zk.url('/tessera', others), info: { id: 'm-b', address: '127.0.0.1:6002' }, sessionTimeoutMs: SESSION_MS });
  const detector = new LeaderDetector({ zk: zk.url('/tessera', others), sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => leader.withdraw(), () => standby.withdraw(), () => detector.stop());

  const elected = once(leader, 'elected', 5000, 'm-a elected');
  await withTimeout(leader.contend(), 10_000, 'm-a contend');
  await elected;
  await withTimeout(standby.contend(), 10_000, 'm-b contend');
  await withTimeout(detector.start(), 10_000, 'detector start');
  assert.is(detector.leader()?.id, 'm-a');
  assert.not.ok(standby.isLeader);
  const negotiated = leader.sessionTimeoutMs!;
  assert.ok(negotiated <= SESSION_MS, `negotiated ${negotiated} ms`);

  const lost = once<string>(leader, 'lost', negotiated + 8000, 'm-a lost');
  const standbyElected = once(standby, 'elected', negotiated + 15_000, 'm-b elected');
  // Times taken in the listeners: awaiting one promise after the other would blur them.
  let lostAfter = NaN;
  let electedAfter = NaN;
  leader.once('lost', () => (lostAfter = performance.now() - t0));
  standby.once('elected', () => (electedAfter = performance.now() - t0));
  const t0 = performance.now();
  zk.pause(victim);
  paused = victim;

  const why = await lost;
  assert.not.ok(leader.isLeader, 'm-a no longer claims to lead');
  assert.match(why, /session lost/);
  // The client notices the silence after 2/3 of the timeout and then waits
  // 1/3 more: about one session timeout in all.
  assert.ok(lostAfter >= negotiated * 0.6 && lostAfter <= negotiated * 1.5, `lost after ${lostAfter.toFixed(0)} ms`);

  await standbyElected;
  const seen = await withTimeout(detector.detect({ id: 'm-a', address: '' }), 5000, 'detector sees m-b');
  assert.is(seen?.id, 'm-b');
  // The safety property: the old leader stopped before the new one started.
  assert.ok(lostAfter <= electedAfter, `m-a stepped down at ${lostAfter.toFixed(0)} ms, m-b elected at ${electedAfter.toFixed(0)} ms`);
  console.log(`  m-a stepped down after ${lostAfter.toFixed(0)} ms, m-b elected after ${electedAfter.toFixed(0)} ms (session ${negotiated} ms)`);

  zk.resume(victim);
  paused = undefined;
});

test.run();
