// OperatorService over real gRPC: the same answers as the HTTP API (the JSON
// is the HTTP body), the same checks as gRPC statuses naming the field, and
// Subscribe streaming a summary and then a launch.

import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CLIENT_OPTIONS, OperatorServiceClient, TaskState, type OperatorEvent } from '@tessera/common';

import { get, launch, report } from './operator-support.js';
import { FakeAgent, Inbox, TestScheduler, eventually, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
let scheduler: TestScheduler;
let agent: FakeAgent;
let client: OperatorServiceClient;

test.before.each(async () => {
  tm = await startTestMaster();
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agent = new FakeAgent(tm.master.grpcAddress);
  client = new OperatorServiceClient(tm.master.grpcAddress, credentials.createInsecure(), CLIENT_OPTIONS);
});

test.after.each(async () => {
  client.close();
  scheduler.close();
  agent.close();
  await tm.stop();
});

type Unary<Req> = (req: Req, cb: (err: ServiceError | null, res?: { json: string }) => void) => unknown;

function rpc<Req>(method: keyof OperatorServiceClient, request: Req): Promise<{ err: ServiceError | null; json: any }> {
  const fn = (client[method] as unknown as Unary<Req>).bind(client);
  return new Promise((resolve) => fn(request, (err, res) => resolve({ err, json: res ? JSON.parse(res.json) : undefined })));
}

test('reads answer what the HTTP API answers; changes go through the same checks', async () => {
  await scheduler.subscribe({ name: 'grpc', roles: ['web'] });
  await agent.register();
  await launch(scheduler, ['g0', 'g1']);
  await eventually(() => agent.inbox.items.filter((m) => m.runTask).length === 2, '2 RunTask');
  report(agent, scheduler.frameworkId, ['g0'], TaskState.RUNNING);
  await scheduler.update(TaskState.RUNNING, 'g0');

  const summary = await rpc('getSummary', {});
  assert.is(summary.err, null);
  const http = (await get(tm, '/api/v1/state/summary')).json;
  assert.equal(summary.json.tasks, http.tasks);
  assert.equal(summary.json.agents, http.agents);
  const running = await rpc('getTasks', { states: ['RUNNING'], frameworkId: '', agentId: '', q: '', completed: '', offset: 0, limit: 0 });
  assert.equal(running.json.tasks.map((t: { id: string }) => t.id), ['g0']);
  assert.is(running.json.limit, 100);

  const bad = await rpc('getTasks', { states: ['RUNNING'], frameworkId: '', agentId: '', q: '', completed: '', offset: 0, limit: 5000 });
  assert.is(bad.err?.code, status.INVALID_ARGUMENT);
  assert.match(bad.err!.details, /^limit: must be an integer in \[1, 1000\]/);
  const unknown = await rpc('drainAgent', { agentId: 'nope' });
  assert.is(unknown.err?.code, status.NOT_FOUND);
  assert.match(unknown.err!.details, /^agentId: no agent "nope"/);
  const badWeight = await rpc('setWeights', { weights: { web: -1 } });
  assert.is(badWeight.err?.code, status.INVALID_ARGUMENT);
  assert.match(badWeight.err!.details, /^weights\.web: /);

  const weights = await rpc('setWeights', { weights: { web: 3 } });
  assert.equal(weights.json, { weights: { web: 3 } });
  const quota = await rpc('setQuota', { role: 'web', guarantees: { cpus: 1 }, limits: {}, remove: false });
  assert.equal(quota.json.guarantees, { cpus: 1 });
  const roles = (await get(tm, '/api/v1/roles')).json.roles;
  assert.is(roles.find((r: { name: string }) => r.name === 'web').weight, 3);

  const metrics = await new Promise<{ text: string; json: string }>((resolve, reject) =>
    client.getMetrics({}, (err, res) => (err ? reject(err) : resolve(res!))),
  );
  assert.match(metrics.text, /tessera_master_tasks\{state="RUNNING"\} 1/);
  assert.ok((JSON.parse(metrics.json) as Array<{ name: string }>).some((m) => m.name === 'tessera_master_tasks'));

  const drained = await rpc('drainAgent', { agentId: agent.id, gracePeriodSeconds: 1 });
  assert.equal(drained.json, { agentId: agent.id, operatorState: 'draining' });
  await agent.inbox.next((m) => m.killTask?.taskId === 'g0', 'KillTask g0');
});

test('Subscribe streams a summary, then task events', async () => {
  await scheduler.subscribe({ name: 'grpc-events' });
  await agent.register();
  const events = new Inbox<OperatorEvent>();
  const stream = client.subscribe({ types: ['task'] });
  stream.on('data', (e: OperatorEvent) => events.push(e));
  stream.on('error', () => events.close());
  try {
    const first = await events.next(() => true, 'the summary');
    assert.is(first.type, 'summary');
    assert.is(JSON.parse(first.json).agents.active, 1);
    await launch(scheduler, ['s1']);
    const launched = await events.next((e) => e.type === 'task', 'a task event');
    assert.equal(JSON.parse(launched.json).kind, 'launched');
    assert.equal(JSON.parse(launched.json).task.id, 's1');
  } finally {
    stream.cancel();
  }
  const bad = client.subscribe({ types: ['weather'] });
  const err = await new Promise<ServiceError>((resolve) => {
    bad.on('error', resolve);
    bad.on('data', () => undefined);
  });
  assert.is(err.code, status.INVALID_ARGUMENT);
  assert.match(err.details, /^types: "weather"/);
});

test.run();
