// End to end, real processes: an agent process partitioned from the master by
// SIGSTOP (it answers nothing, its connection stays open) and resumed with
// SIGCONT — for less than the ping budget (nothing happens), for more (its
// tasks UNREACHABLE for the partition-aware framework and LOST for the other;
// back, the first is RUNNING again and the LOST one is killed), and past the
// master's --agent-unreachable-timeout (TASK_GONE; back, the agent is refused
// and kills everything it still runs). Task processes are found in /proc by a
// sleep duration unique to each task.

import { readdirSync, readFileSync } from 'node:fs';

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState, TaskStatus_Reason } from '@tessera/common';
import { startCluster, waitFor, type Cluster } from './cluster.js';
import { closeFrameworks, shellTask, startFramework, type TestFramework } from './framework.js';

// 0.5 s × 5: the agent is unreachable after about 2.5 s without an answer.
const PING_SECONDS = 0.5;
const MAX_PING_TIMEOUTS = 5;
const UNREACHABLE_TIMEOUT_SECONDS = 8;

let cluster: Cluster;
let aware: TestFramework;
let plain: TestFramework;
let agentId = '';

test.before(async () => {
  cluster = await startCluster({
    agents: 1,
    agentResources: 'cpus:2;mem:2048',
    pingIntervalSeconds: PING_SECONDS,
    maxPingTimeouts: MAX_PING_TIMEOUTS,
    masterArgs: ['--agent-unreachable-timeout', String(UNREACHABLE_TIMEOUT_SECONDS)],
  });
  aware = startFramework(cluster.grpc, { name: 'e2e-partition-aware', capabilities: ['PARTITION_AWARE'] });
});

test.after(async () => {
  // A paused agent would not stop: resume it whatever happened.
  for (const a of cluster?.agents ?? []) a.process.kill('SIGCONT');
  closeFrameworks();
  await cluster?.stop();
});

const agentProcess = () => cluster.agents[0]!.process;

/** Pids of `sleep <marker>` processes (each task sleeps a duration of its own). */
function sleepers(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('sleep') && argv[1] === marker) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function launch(fw: TestFramework, taskId: string, marker: string, other?: TestFramework): Promise<void> {
  await waitFor(`an offer for ${taskId}`, async () => {
    // The other (suppressed) framework gives back what it was offered before it suppressed.
    const held = other?.takeOffers() ?? [];
    if (held.length > 0) await other!.client.decline(held.map((o) => o.id), { refuseSeconds: 3600 });
    const [offer, ...rest] = fw.takeOffers();
    if (!offer) return false;
    if (rest.length > 0) await fw.client.decline(rest.map((o) => o.id), { refuseSeconds: 0 });
    await fw.client.launch([offer.id], [shellTask(taskId, `exec sleep ${marker}`, offer)], { refuseSeconds: 0 });
    return true;
  });
  const running = await fw.waitForState(taskId, TaskState.RUNNING);
  agentId = running.agentId;
  await waitFor(`the process of ${taskId}`, () => sleepers(marker).length === 1);
}

/** The first update of `taskId` in `state` after index `from` of the framework's updates. */
function waitForStateAfter(fw: TestFramework, from: number, taskId: string, state: TaskState, timeoutMs = 30_000) {
  return waitFor(`${taskId} ${TaskState[state]} (after update ${from})`, () => fw.updates.slice(from).find((u) => u.taskId === taskId && u.state === state), timeoutMs);
}

async function agentInState(): Promise<string | undefined> {
  const s = await cluster.state();
  return s.agents.find((a: { id: string }) => a.id === agentId)?.state;
}

test('both frameworks run a task on the agent', async () => {
  await launch(aware, 'aware-1', '3601.11');
  // The plain framework subscribes only now and alone asks for offers, so the rest of the agent is its.
  await aware.client.suppress();
  plain = startFramework(cluster.grpc, { name: 'e2e-partition-plain' });
  await launch(plain, 'plain-1', '3601.22', aware);
});

test('paused for less than the ping budget: nothing happens', async () => {
  const before = { aware: aware.updates.length, plain: plain.updates.length };
  agentProcess().kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, (PING_SECONDS * 1000) / 2));
  agentProcess().kill('SIGCONT');
  // Several ping budgets later, still nothing.
  await new Promise((r) => setTimeout(r, 3 * PING_SECONDS * MAX_PING_TIMEOUTS * 1000));
  assert.equal(aware.updates.slice(before.aware).map((u) => TaskState[u.state]), []);
  assert.equal(plain.updates.slice(before.plain).map((u) => TaskState[u.state]), []);
  assert.is(await agentInState(), 'active');
  assert.is(sleepers('3601.11').length, 1);
  assert.is(sleepers('3601.22').length, 1);
});

test('paused past the ping budget: UNREACHABLE / LOST; back before the unreachable timeout: RUNNING again, the LOST task killed', async () => {
  const from = { aware: aware.updates.length, plain: plain.updates.length };
  agentProcess().kill('SIGSTOP');
  try {
    const unreachable = await waitForStateAfter(aware, from.aware, 'aware-1', TaskState.UNREACHABLE);
    assert.is(unreachable.reason, TaskStatus_Reason.AGENT_DISCONNECTED);
    await waitForStateAfter(plain, from.plain, 'plain-1', TaskState.LOST);
    assert.is(await agentInState(), 'unreachable');
  } finally {
    agentProcess().kill('SIGCONT');
  }
  // The agent's report, relayed: RUNNING after the UNREACHABLE.
  const unreachableAt = aware.updates.findIndex((u, i) => i >= from.aware && u.taskId === 'aware-1' && u.state === TaskState.UNREACHABLE);
  await waitForStateAfter(aware, unreachableAt + 1, 'aware-1', TaskState.RUNNING);
  await waitFor('the agent active again', async () => (await agentInState()) === 'active');
  await waitFor('the LOST task killed on the agent', () => sleepers('3601.22').length === 0);
  assert.is(sleepers('3601.11').length, 1, 'the partition-aware task runs on, the same process');
  const plainAfter = plain.updates.slice(from.plain).map((u) => TaskState[u.state]);
  assert.equal(plainAfter, ['LOST'], 'the plain framework hears nothing after LOST (the kill is the master\'s business)');
  assert.not.ok(aware.updates.slice(from.aware).some((u) => u.state === TaskState.GONE || u.state === TaskState.LOST));
});

test('paused past the unreachable timeout: GONE for partition-aware, nothing new for the other; back, refused, its tasks killed', async () => {
  await plain.client.revive();
  await launch(plain, 'plain-2', '3601.33', aware);
  const from = { aware: aware.updates.length, plain: plain.updates.length };
  agentProcess().kill('SIGSTOP');
  let gone;
  try {
    await waitForStateAfter(aware, from.aware, 'aware-1', TaskState.UNREACHABLE);
    await waitForStateAfter(plain, from.plain, 'plain-2', TaskState.LOST);
    gone = await waitForStateAfter(aware, from.aware, 'aware-1', TaskState.GONE, (UNREACHABLE_TIMEOUT_SECONDS + 20) * 1000);
    await waitFor('the agent out of /state', async () => (await agentInState()) === undefined);
  } finally {
    agentProcess().kill('SIGCONT');
  }
  assert.is(gone.reason, TaskStatus_Reason.AGENT_REMOVED);
  assert.equal(plain.updates.slice(from.plain).map((u) => TaskState[u.state]), ['LOST'], 'nothing new for the plain framework');

  // Back: refused, and it kills what it still runs.
  await waitFor('the gone agent refused', async () => /refused by the master/.test(await cluster.logs()));
  await waitFor('its tasks killed', () => sleepers('3601.11').length === 0 && sleepers('3601.33').length === 0);
  assert.is(await agentInState(), undefined, 'not taken back');

  // Reconciliation about its tasks: GONE for the partition-aware framework, LOST for the other.
  const r = { aware: aware.updates.length, plain: plain.updates.length };
  await aware.client.reconcile([{ taskId: 'aware-1', agentId }]);
  await plain.client.reconcile([{ taskId: 'plain-2', agentId }]);
  const a = await waitForStateAfter(aware, r.aware, 'aware-1', TaskState.GONE);
  const p = await waitForStateAfter(plain, r.plain, 'plain-2', TaskState.LOST);
  assert.is(a.reason, TaskStatus_Reason.RECONCILIATION);
  assert.is(p.reason, TaskStatus_Reason.RECONCILIATION);
});

test.run();
