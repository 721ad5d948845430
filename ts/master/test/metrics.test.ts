// The master's Prometheus metrics against the cluster's real state: gauges
// read at scrape time equal what the operator API and /state say, counters
// count what happened (offers made / accepted / declined, status updates,
// terminal tasks, registry writes, allocation cycles), and /metrics/snapshot
// is the same as JSON. Also the log tail of /api/v1/logs from a real logger.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, createLogger } from '@tessera/common';

import { get, launch, report, until } from './operator-support.js';
import { FakeAgent, TestScheduler, eventually, startTestMaster, type TestMaster } from './support.js';

/** The value of one sample in Prometheus text: `name{labels} value`. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  if (!line) throw new Error(`no sample ${name}{${labels}} in:\n${text.split('\n').filter((l) => l.startsWith(name)).join('\n')}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

let tm: TestMaster;
let scheduler: TestScheduler;
let agent: FakeAgent;

test.before.each(async () => {
  tm = await startTestMaster();
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agent = new FakeAgent(tm.master.grpcAddress);
});

test.after.each(async () => {
  scheduler.close();
  agent.close();
  await tm.stop();
});

test('gauges equal the cluster state; counters count offers, updates and terminal tasks', async () => {
  await scheduler.subscribe({ name: 'metrics' });
  await agent.register();
  const names = ['m0', 'm1', 'm2', 'm3'];
  await launch(scheduler, names);
  await eventually(() => agent.inbox.items.filter((m) => m.runTask).length === 4, '4 RunTask');
  report(agent, scheduler.frameworkId, ['m0', 'm1', 'm2'], TaskState.RUNNING);
  for (let i = 0; i < 3; i++) await scheduler.update(TaskState.RUNNING);
  report(agent, scheduler.frameworkId, ['m3'], TaskState.FAILED);
  await scheduler.update(TaskState.FAILED, 'm3');
  // Decline whatever is on offer now (each with a long filter), until nothing is offered.
  let declinedByUs = 0;
  for (let quietSince = Date.now(); Date.now() - quietSince < 200; ) {
    const ids = tm.master.state().offers.map((o) => o.id);
    if (ids.length > 0) {
      assert.is(await scheduler.call('decline', { header: scheduler.header, offerIds: ids, filters: { refuseSeconds: 60 } }), null);
      declinedByUs += ids.length;
      quietSince = Date.now();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(declinedByUs >= 1);

  const res = await get(tm, '/metrics');
  assert.is(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = res.text;
  const state = tm.master.state();
  const running = state.tasks.filter((t) => t.state === 'RUNNING').length;
  assert.is(running, 3);
  assert.is(sample(text, 'tessera_master_tasks', 'state="RUNNING"'), running);
  assert.is(sample(text, 'tessera_master_tasks', 'state="FAILED"'), 1); // not acknowledged yet: still live
  assert.is(sample(text, 'tessera_master_tasks', 'state="STAGING"'), 0);
  assert.is(sample(text, 'tessera_master_agents', 'state="active"'), 1);
  assert.is(sample(text, 'tessera_master_agents', 'state="unreachable"'), 0);
  assert.is(sample(text, 'tessera_master_frameworks', 'state="active"'), 1);
  assert.is(sample(text, 'tessera_master_frameworks_connected'), 1);
  // Resources: 4 cpus; the 3 running tasks hold 0.3 (the FAILED one was freed); nothing offered now.
  assert.is(sample(text, 'tessera_master_resources', 'resource="cpus",kind="total"'), 4);
  assert.is(sample(text, 'tessera_master_resources', 'resource="cpus",kind="used"'), 0.3);
  assert.is(sample(text, 'tessera_master_resources', 'resource="cpus",kind="offered"'), 0);
  assert.is(sample(text, 'tessera_master_resources', 'resource="cpus",kind="idle"'), 3.7);
  assert.is(sample(text, 'tessera_master_resources', 'resource="ports",kind="total"'), 10);
  assert.is(sample(text, 'tessera_master_offers_outstanding'), 0);
  // Offers: the launch accepted one, the decline declined one; every offer made is accounted for.
  const made = sample(text, 'tessera_master_offers_total', 'event="made"');
  const accepted = sample(text, 'tessera_master_offers_total', 'event="accepted"');
  const declined = sample(text, 'tessera_master_offers_total', 'event="declined"');
  const rescinded = sample(text, 'tessera_master_offers_total', 'event="rescinded"');
  assert.is(accepted, 1);
  assert.is(declined, declinedByUs);
  assert.is(made, accepted + declined + rescinded);
  assert.is(sample(text, 'tessera_master_status_updates_total', 'source="agent"'), 4);
  assert.is(sample(text, 'tessera_master_task_terminal_total', 'state="FAILED"'), 1);
  assert.is(sample(text, 'tessera_master_status_update_lag_seconds_count'), 4);
  assert.ok(sample(text, 'tessera_master_allocation_cycle_seconds_count') >= 2);
  // Registry: the agent's admission and the framework's registration, each written once and timed.
  assert.is(sample(text, 'tessera_master_registry_write_seconds_count', 'op="admitAgent"'), 1);
  assert.is(sample(text, 'tessera_master_registry_write_seconds_count', 'op="addFramework"'), 1);
  assert.is(sample(text, 'tessera_master_leading'), 1);
  assert.is(sample(text, 'tessera_master_elections_total'), 0);
  assert.ok(text.includes('process_cpu_user_seconds_total'), 'default process metrics');

  const snapshot = (await get(tm, '/metrics/snapshot')).json as Array<{ name: string; type: string; values: Array<{ labels: Record<string, string>; value: number }> }>;
  const tasks = snapshot.find((m) => m.name === 'tessera_master_tasks')!;
  assert.is(tasks.type, 'gauge');
  assert.is(tasks.values.find((v) => v.labels.state === 'RUNNING')!.value, running);
  const offers = snapshot.find((m) => m.name === 'tessera_master_offers_total')!;
  assert.is(offers.values.find((v) => v.labels.event === 'declined')!.value, declinedByUs);
});

test('agents by state follow a disconnect; frameworks inactive after their scheduler goes', async () => {
  await scheduler.subscribe({ name: 'metrics', failoverTimeout: 60 });
  await agent.register();
  agent.hangUp();
  await until(async () => sample((await get(tm, '/metrics')).text, 'tessera_master_agents', 'state="disconnected"') === 1, 'disconnected agent counted');
  scheduler.disconnect();
  await until(async () => sample((await get(tm, '/metrics')).text, 'tessera_master_frameworks', 'state="inactive"') === 1, 'inactive framework counted');
  const text = (await get(tm, '/metrics')).text;
  assert.is(sample(text, 'tessera_master_agents', 'state="active"'), 0);
  assert.is(sample(text, 'tessera_master_frameworks_connected'), 0);
});

test.run();

// A second suite: a master whose logger writes for real, for the log tail.
const logs = test;
logs('the master log tail: lines the logger wrote, filtered by level, downloadable as text', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-logs-test-'));
  const file = join(dir, 'master.log');
  // A child logger, as an embedding program might pass: its stream is inherited from the parent.
  const t = await startTestMaster({ logger: createLogger('master', { level: 'info', destination: file }).child({ embedded: true }) });
  const a = new FakeAgent(t.master.grpcAddress);
  try {
    await a.register();
    const answer = await get(t, '/api/v1/logs?limit=50');
    assert.is(answer.status, 200);
    const msgs = (answer.json.lines as Array<{ msg: string; level: string }>).map((l) => l.msg);
    assert.ok(msgs.includes('master started'), msgs.join(' | '));
    assert.ok(msgs.includes('agent registered'), msgs.join(' | '));
    a.hangUp();
    await until(async () => (await get(t, '/api/v1/logs?level=warn')).json.lines.some((l: { msg: string }) => l.msg === 'agent stream closed'), 'the warning');
    const warnings = (await get(t, '/api/v1/logs?level=warn')).json.lines as Array<{ level: string }>;
    assert.ok(warnings.every((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal'));
    const text = await get(t, '/api/v1/logs?format=text&limit=1');
    assert.match(String(text.headers['content-disposition']), /attachment/);
    assert.is(text.text.trim().split('\n').length, 1);
    // The lines also still reach the logger's own destination.
    await until(async () => (await readFile(file, 'utf8')).includes('"msg":"agent registered"'), 'the log file written');
  } finally {
    a.close();
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
logs.run();
