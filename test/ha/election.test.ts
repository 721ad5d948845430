// Three contenders on a real 3-server ensemble: exactly one leads (the
// lowest node); when its session closes the next leads and the detector says so.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { LeaderDetector } from '../../ts/ha/src/detector.ts';
import { MasterContender } from '../../ts/ha/src/contender.ts';
import type { MasterInfo } from '../../ts/ha/src/master-info.ts';
import { ZkEnsemble } from './zk-ensemble.ts';
import { once, sleep, until, withTimeout } from './util.ts';

let zk: ZkEnsemble;
const cleanup: Array<() => void> = [];

test.before(async () => {
  zk = await ZkEnsemble.start();
});

test.after(async () => {
  for (const c of cleanup) c();
  await zk?.stop();
});

const info = (n: number): MasterInfo => ({ id: `master-${n}`, address: `127.0.0.1:${5050 + n}` });

test('three contenders: exactly one leads, the lowest; its loss elects the next and the detector follows', async () => {
  const url = zk.url('/tessera-election');
  const detector = new LeaderDetector({ zk: url, sessionTimeoutMs: 4000 });
  cleanup.push(() => detector.stop());
  await withTimeout(detector.start(), 10_000, 'detector start');
  assert.is(detector.leader(), null, 'no leader before anyone contends');

  const contenders: MasterContender[] = [];
  for (let n = 1; n <= 3; n++) {
    // Each on a different server, so the election spans the ensemble.
    const c = new MasterContender({ zk: zk.url('/tessera-election', [n]), info: info(n), sessionTimeoutMs: 4000 });
    cleanup.push(() => c.withdraw());
    // Sequential contend(): node order = creation order, so master-1 is lowest.
    await withTimeout(c.contend(), 10_000, `contender ${n}`);
    contenders.push(c);
  }
  await until(() => contenders.some((c) => c.isLeader), 5000, 'a leader');
  await sleep(500); // room for a wrong second leader to show up
  assert.equal(contenders.map((c) => c.isLeader), [true, false, false]);
  const nodes = contenders.map((c) => c.nodePath!);
  assert.ok(nodes[0]! < nodes[1]! && nodes[1]! < nodes[2]!, `nodes in order: ${nodes.join(' ')}`);
  const seen = await withTimeout(detector.detect(null), 5000, 'detector to see master-1');
  assert.is(seen?.id, 'master-1');
  assert.is(seen?.address, '127.0.0.1:5051');

  // The leader's session closes: its node goes at once, master-2 leads.
  const t0 = performance.now();
  const elected = once(contenders[1]!, 'elected', 5000, 'master-2 elected');
  contenders[0]!.withdraw();
  await elected;
  const next = await withTimeout(detector.detect(seen), 5000, 'detector to see master-2');
  const took = performance.now() - t0;
  assert.is(next?.id, 'master-2');
  assert.ok(took < 3000, `failover seen in ${took.toFixed(0)} ms`);
  assert.not.ok(contenders[2]!.isLeader, 'master-3 still waits');

  // And again: the last one leads; then none.
  const elected3 = once(contenders[2]!, 'elected', 5000, 'master-3 elected');
  contenders[1]!.withdraw();
  await elected3;
  assert.is((await withTimeout(detector.detect(next), 5000, 'detector to see master-3'))?.id, 'master-3');
  contenders[2]!.withdraw();
  assert.is(await withTimeout(detector.detect(detector.leader()), 5000, 'detector to see none'), null);
});

test('a contender that loses its session is told so and stops leading', async () => {
  const c = new MasterContender({ zk: zk.url('/tessera-close'), info: info(9), sessionTimeoutMs: 4000 });
  cleanup.push(() => c.withdraw());
  const elected = once(c, 'elected', 5000);
  await withTimeout(c.contend(), 10_000, 'contend');
  await elected;
  assert.ok(c.isLeader);
  // The native client closing under us, as it does on an expiry it is told
  // of or when it gives up on a silent server (session-loss.test.ts makes
  // the real thing happen with a paused server).
  const lost = once<string>(c, 'lost', 5000);
  ((c as unknown as { session: { client: { close(): void } } }).session.client).close();
  assert.match(await lost, /session lost/);
  assert.not.ok(c.isLeader);
});

test.run();
