// A wall-clock jump causes no election and no timeout. The masters and the
// agent run under libfaketime (Debian's libfaketime, installed by this test
// when missing), which shifts what their processes read from the wall clock
// (Date.now, new Date) while leaving the monotonic clock (timers,
// performance.now, the ZooKeeper client's) alone — as an NTP step or an
// operator's `date -s` would. The clock is moved 3 hours ahead, then 3 hours
// back, each time for longer than the ping budget (2 s), the ZooKeeper
// session timeout (4 s) and the framework's failover timeout (5 s): the
// leader stays the leader, the agent stays active, the task keeps running
// with no new update, and the cluster still launches tasks. The ZooKeeper
// servers and the test process itself keep the real clock.

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { sleep, until } from './util.ts';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const HOUR_MS = 3_600_000;
let h: Harness | undefined;
const saved = { ...process.env };

test.before(() => {
  // Run alone (not through npm test): provision it the same way.
  if (!existsSync(LIBFAKETIME)) {
    const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/provision-zookeeper.sh');
    execFileSync('bash', [script, 'install'], { stdio: 'inherit', timeout: 300_000 });
  }
});

test.after.each(async () => {
  for (const k of ['LD_PRELOAD', 'FAKETIME_TIMESTAMP_FILE', 'FAKETIME_DONT_FAKE_MONOTONIC', 'FAKETIME_CACHE_DURATION']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await h?.stop();
  h = undefined;
});

/** The latest status timestamp the leader holds for a task (the agent's clock: shows the jump took). */
async function statusTime(state: () => Promise<any>, taskId: string): Promise<number | undefined> {
  const task = ((await state()).tasks as Array<{ id: string; statuses?: Array<{ timestamp: string }> }>).find((t) => t.id === taskId);
  const last = task?.statuses?.at(-1)?.timestamp;
  return last ? Date.parse(last) : undefined;
}

test('the wall clock jumps 3 h ahead and 3 h back: no election, no agent unreachable, no framework removed, the task untouched', async () => {
  h = await Harness.start({ zk: true, zkSessionTimeoutSeconds: 4 });
  // Only the processes started from here on are under libfaketime (not the ensemble, not this process).
  const clockFile = join(h.dir, 'faketime');
  writeFileSync(clockFile, '+0\n');
  Object.assign(process.env, {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    FAKETIME_CACHE_DURATION: '1',
  });
  await Promise.all([h.master(), h.master()]);
  const leader = await h.leader();
  await h.agent({ hostname: 'cj-a1' });
  delete process.env.LD_PRELOAD; // the in-process framework keeps the real clock
  const fw = h.framework('cj', { failoverTimeoutSeconds: 5, partitionAware: true });
  fw.launch([{ taskId: 'cj-long' }]);
  await h.waitForStates(fw.name, ['cj-long'], 'RUNNING', 30_000);
  const updatesBefore = fw.updates('cj-long').length;
  const subscriptions = fw.events().filter((e) => e.type === 'subscribed').length;

  for (const [offset, label] of [['+3h', 'ahead'], ['-3h', 'back']] as const) {
    writeFileSync(clockFile, `${offset}\n`);
    await sleep(7000); // past the ping budget, the session timeout and the failover timeout

    assert.is((await leader.health())?.leading, true, `${label}: the same master still leads`);
    for (const s of await h.standbys()) assert.is((await s.health())?.leader, leader.grpc, `${label}: ${s.name} still names it`);
    assert.equal(leader.exits, [], `${label}: the leader never exited`);
    const state = await leader.state();
    assert.equal(
      (state.agents as Array<{ state: string }>).map((a) => a.state),
      ['active'],
      `${label}: the agent is still active`,
    );
    assert.is((state.frameworks as unknown[]).length, 1, `${label}: the framework is still registered`);
    assert.is(fw.updates('cj-long').length, updatesBefore, `${label}: no new update for the running task`);
    assert.is(fw.events().filter((e) => e.type === 'subscribed').length, subscriptions, `${label}: the framework never had to re-subscribe`);

    // The cluster still works, and the jump really took: the agent stamps the new task's updates with its shifted clock.
    const taskId = `cj-${label}`;
    fw.launch([{ taskId }]);
    await h.waitForStates(fw.name, [taskId], 'RUNNING', 20_000);
    let stamped: number | undefined;
    await until(async () => (stamped = await statusTime(() => leader.state(), taskId)) !== undefined, 5000, `${taskId}'s status in /state`);
    const shift = stamped! - Date.now();
    if (label === 'ahead') assert.ok(shift > 2.5 * HOUR_MS, `the agent's clock is ~3 h ahead (shift ${Math.round(shift / 60_000)} min)`);
    else assert.ok(shift < -2.5 * HOUR_MS, `the agent's clock is ~3 h behind (shift ${Math.round(shift / 60_000)} min)`);
  }
  assert.equal(h.oracle.violations, []);
});

test.run();
