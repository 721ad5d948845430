// kill -9 an agent that holds an unacknowledged status update of a running
// task, and start it again on its work dir (native containers, which the
// agent re-attaches): the update is delivered again with its own uuid, the
// task keeps running, nothing already acknowledged comes again, and the
// task's later updates follow in order. And a task that *ended* while its
// updates waited: they all come, once each, in order (not LOST).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { isTerminal } from './oracle.ts';
import { runningTasks } from './task-processes.ts';
import { sleep, until } from './util.ts';

let h: Harness | undefined;

test.after.each(async () => {
  await h?.stop();
  h = undefined;
});

/** States of distinct updates (by uuid), in the order first seen. */
function distinctStates(updates: Array<{ uuid: string; state: string }>): string[] {
  const seen = new Set<string>();
  return updates.filter((u) => !seen.has(u.uuid) && seen.add(u.uuid)).map((u) => u.state);
}

test('agent kill -9 with an unacknowledged RUNNING: resent after the restart with its uuid, the task still runs, no acknowledged update comes again', async () => {
  h = await Harness.start();
  await h.master();
  const agent = await h.agent({ containerizers: 'native' });
  const fw = h.framework('held', { holdAcks: true });
  fw.launch([{ taskId: 'ra-long' }]);
  const starting = await h.waitForUpdate(fw.name, (u) => u.taskId === 'ra-long' && u.state === 'STARTING');
  fw.ack(starting.uuid);
  const running = await h.waitForUpdate(fw.name, (u) => u.taskId === 'ra-long' && u.state === 'RUNNING');
  assert.ok(h.oracle.ackedAt(fw.name, starting.uuid), 'STARTING acknowledged before the kill');
  // The agent learns of the ack just before it sends RUNNING (only the head is
  // in flight), so the checkpoint holds it: a restart must not resend STARTING.

  const t0 = performance.now();
  await agent.kill();
  await agent.restart();
  console.log(`  agent restarted and re-registered in ${(performance.now() - t0).toFixed(0)} ms`);
  // The restarted agent resends the unacknowledged head: RUNNING, same uuid.
  await h.waitForUpdate(fw.name, (u) => u.uuid === running.uuid && u.at > running.at, 15_000, 'RUNNING resent');
  console.log(`  RUNNING resent ${(performance.now() - t0).toFixed(0)} ms after the kill`);
  assert.equal(h.oracle.verify({ held: ['ra-long'] }), [], 'the task survived the agent');

  fw.holdAcks(false);
  await sleep(1000);
  fw.kill('ra-long');
  await h.waitForUpdate(fw.name, (u) => u.taskId === 'ra-long' && u.state === 'KILLED');
  await sleep(1000); // room for a wrong resend
  await h.oracle.settle();

  assert.equal(distinctStates(fw.updates('ra-long')), ['STARTING', 'RUNNING', 'KILLED'], h.oracle.dump());
  assert.is(fw.updates('ra-long').filter((u) => u.state === 'STARTING').length, 1, 'STARTING (acknowledged) never again');
  assert.equal(h.oracle.violations, [], h.oracle.dump());
  assert.equal(h.oracle.verify(), []);
});

test('agent kill -9 while a task that already ended waits behind its unacknowledged STARTING: after the restart its RUNNING and FINISHED follow, each once, in order', async () => {
  h = await Harness.start();
  await h.master();
  const agent = await h.agent({ containerizers: 'native' });
  const fw = h.framework('ended', { holdAcks: true });
  fw.launch([{ taskId: 'ra-quick', command: 'exit 0' }]);
  const starting = await h.waitForUpdate(fw.name, (u) => u.taskId === 'ra-quick' && u.state === 'STARTING');
  // It exits at once; its RUNNING and FINISHED queue on the agent behind the head.
  await until(() => !runningTasks(h!.dir).has(`${fw.frameworkId()}/ra-quick`), 5000, 'ra-quick exited');
  await sleep(300);
  assert.equal([...new Set(fw.updates('ra-quick').map((u) => u.state))], ['STARTING'], 'nothing past the unacknowledged head');

  await agent.kill();
  await agent.restart();
  fw.holdAcks(false);
  await h.waitForUpdate(fw.name, (u) => u.taskId === 'ra-quick' && isTerminal(u.state), 20_000, 'ra-quick terminal');
  await sleep(1500); // room for a wrong resend
  await h.oracle.settle();
  assert.equal(distinctStates(fw.updates('ra-quick')), ['STARTING', 'RUNNING', 'FINISHED'], h.oracle.dump());
  assert.is(fw.updates('ra-quick')[0]!.uuid, starting.uuid, 'the STARTING seen before the kill');
  assert.equal(h.oracle.violations, [], h.oracle.dump());
  assert.equal(h.oracle.verify(), []);
});

test.run();
