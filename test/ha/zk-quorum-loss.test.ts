// Lose ZooKeeper quorum (2 of 3 servers stopped) under a running cluster of
// two `tessera master --zk` processes: the leader steps down (exit 3; its
// supervisor restarts it, as a standby that waits for ZooKeeper), no master
// leads, the task runs on untouched; once the servers are back a master leads
// again, the agent re-registers and reconciliation reports the task RUNNING.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { sleep, until } from './util.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

test('ZooKeeper quorum lost: no leader, tasks unaffected; quorum back: a leader again, agent re-registered, task RUNNING', async () => {
  h = await Harness.start({ zk: true, zkSessionTimeoutSeconds: 4 });
  const zk = h.zk!;
  await Promise.all([h.master(), h.master()]);
  const first = await h.leader();
  await h.agent({ hostname: 'zq-a1' });
  const fw = h.framework('zq', { failoverTimeoutSeconds: 120 });
  fw.launch([{ taskId: 'zq-1' }, { taskId: 'zq-2' }]);
  await h.waitForStates(fw.name, ['zq-1', 'zq-2'], 'RUNNING');
  const before = fw.updates().length;

  const t0 = performance.now();
  await Promise.all([zk.stopServer(2), zk.stopServer(3)]);
  await until(() => first.exits.includes(3), 20_000, 'the leader to step down (exit 3)');
  const steppedDown = performance.now() - t0;
  // No master leads while the ensemble has no quorum.
  for (let i = 0; i < 6; i++) {
    const healths = await Promise.all(h.masters.map((m) => m.health()));
    assert.not.ok(healths.some((x) => x?.leading === true), `no leader without quorum: ${JSON.stringify(healths)}`);
    await sleep(500);
  }
  assert.equal(h.oracle.verify({ zq: ['zq-1', 'zq-2'] }), [], 'tasks run on without a master');
  assert.is(fw.updates().length, before, `no update while no master leads:\n${h.oracle.dump()}`);

  const t1 = performance.now();
  await Promise.all([zk.startServer(2), zk.startServer(3)]);
  const quorumBack = performance.now() - t1;
  const leader = await h.leader(40_000);
  const led = performance.now() - t1;
  await until(
    async () => ((await leader.state().catch(() => ({ agents: [] }))).agents as Array<{ hostname: string; state: string }>).some((a) => a.hostname === 'zq-a1' && a.state === 'active'),
    30_000,
    'the agent re-registered',
  );
  const agentBack = performance.now() - t1;
  console.log(
    `  quorum lost → leader exits 3 in ${steppedDown.toFixed(0)} ms; servers back (serving) in ${quorumBack.toFixed(0)} ms, ` +
      `a leader ${led.toFixed(0)} ms, agent re-registered ${agentBack.toFixed(0)} ms after the restart began`,
  );

  fw.reconcile([]);
  await until(() => ['zq-1', 'zq-2'].every((t) => fw.updates(t).some((u) => u.reason === 'RECONCILIATION')), 20_000, 'reconciliation answers');
  for (const t of ['zq-1', 'zq-2']) assert.is(fw.updates(t).filter((u) => u.reason === 'RECONCILIATION').at(-1)!.state, 'RUNNING', t);
  await h.oracle.settle();
  assert.ok(fw.updates().every((u) => u.state === 'STARTING' || u.state === 'RUNNING'), `no task ended:\n${h.oracle.dump()}`);
  assert.equal(h.oracle.verify({ zq: ['zq-1', 'zq-2'] }), []);
  assert.equal(h.oracle.violations, [], h.oracle.dump());
});

test.run();
