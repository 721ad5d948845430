// Losing ZooKeeper quorum (2 of 3 servers stopped): every contender steps
// down and the detector knows no leader; with quorum back, masters that
// contend again (as restarted masters would) elect a leader and the detector
// finds it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { LeaderDetector } from '../../ts/ha/src/detector.ts';
import { MasterContender } from '../../ts/ha/src/contender.ts';
import type { MasterInfo } from '../../ts/ha/src/master-info.ts';
import { ZkEnsemble } from './zk-ensemble.ts';
import { until, withTimeout } from './util.ts';

let zk: ZkEnsemble;
const cleanup: Array<() => void> = [];

test.before(async () => {
  zk = await ZkEnsemble.start();
});

test.after(async () => {
  for (const c of cleanup) c();
  await zk?.stop();
});

const SESSION_MS = 4000;

function contender(id: string): MasterContender {
  const c = new MasterContender({ zk: zk.url('/tessera'), info: { id, address: `${id}.local:5050` }, sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => c.withdraw());
  if (process.env.DEBUG_HA) c.on('warning', (e) => console.log(id, 'warning', String(e), performance.now().toFixed(0)));
  return c;
}

test('quorum lost: no one leads; quorum back: a leader again', async () => {
  const first = [contender('a1'), contender('a2'), contender('a3')];
  for (const c of first) await withTimeout(c.contend(), 10_000, `${c.info.id} contend`);
  await until(() => first.filter((c) => c.isLeader).length === 1, 5000, 'one leader');
  const detector = new LeaderDetector({ zk: zk.url('/tessera'), sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => detector.stop());
  await withTimeout(detector.start(), 10_000, 'detector start');
  assert.is(detector.leader()?.id, first.find((c) => c.isLeader)!.info.id);

  const before = detector.leader();
  const lost: string[] = [];
  for (const c of first) c.on('lost', () => lost.push(c.info.id));
  await Promise.all([zk.stopServer(1), zk.stopServer(2)]);

  await until(() => lost.length === 3, SESSION_MS * 3, 'every contender to lose its session');
  assert.equal(first.map((c) => c.isLeader), [false, false, false], 'no one leads without quorum');
  await withTimeout(detector.detect(before), SESSION_MS * 3, 'detector to give up the leader');
  assert.is(detector.leader(), null);

  // Masters restart and contend again; they cannot even connect yet.
  const second = [contender('b1'), contender('b2')];
  const contending = second.map((c) => c.contend());
  const leaders: MasterInfo[] = [];
  for (const c of second) c.on('elected', (i: MasterInfo) => leaders.push(i));

  await Promise.all([zk.startServer(1, false), zk.startServer(2, false)]);
  await zk.waitServing();
  await withTimeout(Promise.all(contending), 20_000, 'contenders to join after quorum returned');
  // The first round's nodes stay until the servers expire their sessions
  // (about one session timeout after quorum returns); then whichever of b1
  // and b2 created its node first (they contend concurrently) leads.
  await until(() => leaders.length > 0, SESSION_MS * 4, 'a leader after quorum returned');
  assert.is(leaders.length, 1);
  const winner = second.find((c) => c.isLeader)!;
  assert.is(second.filter((c) => c.isLeader).length, 1);
  assert.is(winner.nodePath, second.map((c) => c.nodePath!).sort()[0], 'the lower node leads');
  await until(() => detector.leader()?.id === winner.info.id, SESSION_MS * 3, `detector to find ${winner.info.id}`);
});

test.run();
