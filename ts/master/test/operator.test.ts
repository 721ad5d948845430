// The operator API over HTTP against a real in-process master, a framework
// over real gRPC and (test double) agents: every read endpoint checked against
// the cluster's state while tasks run, pagination and filters, bad input
// (400 naming the field, nothing changed), unknown ids (404), teardown, drain,
// deactivate / reactivate, weights and quota through the allocator, and the
// event stream delivering a launch and a kill.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ExecutorInfo_Type, Operation_Type, TaskState } from '@tessera/common';

import { itemsJson } from '../src/state.js';
import { EventReader, get, launch, post, report, until } from './operator-support.js';
import { FakeAgent, TestScheduler, eventually, parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster;
let scheduler: TestScheduler;
let agents: FakeAgent[];

test.before.each(async () => {
  tm = await startTestMaster();
  scheduler = new TestScheduler(tm.master.grpcAddress);
  agents = [];
});

test.after.each(async () => {
  scheduler.close();
  for (const a of agents) a.close();
  await tm.stop();
});

async function agent(hostname = 'agent.test'): Promise<FakeAgent> {
  const a = new FakeAgent(tm.master.grpcAddress, { hostname });
  agents.push(a);
  await a.register();
  return a;
}

/** One agent, one framework, 5 tasks: t0–t2 RUNNING, t3–t4 STAGING. */
async function runningCluster(): Promise<{ a: FakeAgent; names: string[] }> {
  await scheduler.subscribe({ name: 'ops', roles: ['web'] });
  const a = await agent();
  const names = ['t0', 't1', 't2', 't3', 't4'];
  await launch(scheduler, names);
  await eventually(() => a.inbox.items.filter((m) => m.runTask).length === 5, '5 RunTask');
  report(a, scheduler.frameworkId, names.slice(0, 3), TaskState.RUNNING);
  for (let i = 0; i < 3; i++) await scheduler.update(TaskState.RUNNING);
  return { a, names };
}

test('read endpoints match the cluster state while tasks run', async () => {
  const { a } = await runningCluster();
  const other = await agent('other.test');
  // Settled: what is left of each agent is on offer to the one framework (nothing changes from here on).
  await eventually(() => new Set(tm.master.state().offers.map((o) => o.agentId)).size === 2, 'an offer of each agent');

  const summary = (await get(tm, '/api/v1/state/summary')).json;
  assert.is(summary.id, tm.master.id);
  assert.is(summary.leading, true);
  assert.equal(summary.agents, { total: 2, active: 2, deactivated: 0, draining: 0, drained: 0, disconnected: 0, unreachable: 0 });
  assert.is(summary.frameworks.active, 1);
  assert.is(summary.tasks.total, 5);
  assert.is(summary.tasks.byState.RUNNING, 3);
  assert.is(summary.tasks.byState.STAGING, 2);
  assert.is(summary.tasks.byState.FINISHED, 0);
  const cpus = summary.resources.find((r: { name: string }) => r.name === 'cpus');
  // Two agents of 4 cpus; five tasks of 0.1 in use.
  assert.is(cpus.total, 8);
  assert.is(cpus.used, 0.5);
  assert.is(cpus.idle, Math.round((8 - 0.5 - cpus.offered) * 1000) / 1000);
  const ports = summary.resources.find((r: { name: string }) => r.name === 'ports');
  assert.is(ports.total, 20); // [31000-31009] on each

  const state = (await get(tm, '/api/v1/state')).json;
  const alias = (await get(tm, '/state')).json;
  // Written a batch at a time, the same document as the state object.
  assert.equal(state, JSON.parse(JSON.stringify(tm.master.state())));
  assert.is(state.tasks.length, 5);
  assert.equal(alias.tasks.map((t: { id: string }) => t.id), state.tasks.map((t: { id: string }) => t.id));
  assert.is(summary.offers, 2);
  assert.is(state.offers.length, 2);

  const agentsAnswer = (await get(tm, '/api/v1/agents')).json;
  assert.is(agentsAnswer.total, 2);
  const first = agentsAnswer.agents.find((x: { id: string }) => x.id === a.id);
  assert.is(first.taskCount, 5);
  assert.is(first.operatorState, 'active');
  assert.is(first.connected, true);
  assert.is((await get(tm, '/api/v1/agents?q=OTHER')).json.agents[0].id, other.id);

  const frameworks = (await get(tm, '/api/v1/frameworks')).json;
  assert.is(frameworks.frameworks.length, 1);
  assert.is(frameworks.frameworks[0].taskCount, 5);
  assert.equal(frameworks.completedFrameworks, []);

  const roles = (await get(tm, '/api/v1/roles')).json.roles;
  const web = roles.find((r: { name: string }) => r.name === 'web');
  assert.equal(web.frameworks, [scheduler.frameworkId]);
  assert.is(web.allocated.cpus >= 0.5, true); // used 0.5, plus whatever is on offer to it
  assert.is(web.weight, 1);

  const offers = (await get(tm, '/api/v1/offers')).json.offers;
  assert.equal(offers.map((o: { id: string }) => o.id).sort(), state.offers.map((o: { id: string }) => o.id).sort());
  assert.equal((await get(tm, '/api/v1/executors')).json, { executors: [] }); // command tasks: no executor of their own
  const flags = (await get(tm, '/api/v1/flags')).json.flags;
  assert.is(flags.allocationDelayMs, 1);
  assert.is(flags.logger, undefined);
  assert.is((await get(tm, '/api/v1/version')).json.version, state.version);
  assert.equal((await get(tm, '/api/v1/health')).json, {
    ok: true,
    masterId: tm.master.id,
    leading: true,
    elected: false,
    leader: tm.master.grpcAddress,
    leaderHttp: tm.master.httpAddress,
  });
  assert.is((await get(tm, '/api/v1/leader')).json.leader.httpAddress, tm.master.httpAddress);
});

test("a framework's used resources: scalars summed, its tasks' ports merged", async () => {
  await scheduler.subscribe({ name: 'ports' });
  await agent();
  await launch(scheduler, ['p0', 'p1', 'p2'], undefined, (i) => (i === 0 ? 'cpus:0.5;mem:64;ports:[31000-31000]' : i === 1 ? 'cpus:0.25;mem:32;ports:[31001-31002]' : 'cpus:0.25;mem:32;ports:[31005-31005]'));
  await eventually(() => tm.master.state().tasks.length === 3, '3 tasks');
  const framework = (await get(tm, '/api/v1/frameworks')).json.frameworks[0];
  assert.equal(framework.used, [
    { name: 'cpus', scalar: 1 },
    { name: 'mem', scalar: 128 },
    { name: 'ports', ranges: [[31000, 31002], [31005, 31005]] },
  ]);
  const ports = (await get(tm, '/api/v1/state/summary')).json.resources.find((r: { name: string }) => r.name === 'ports');
  assert.is(ports.used, 4);
});

test('executors: a task group\'s executor with its resources and task count', async () => {
  await scheduler.subscribe({ name: 'pods', roles: ['web'] });
  const a = await agent();
  const [offer] = await scheduler.offers();
  const command = { value: 'sleep 1000', shell: true };
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer!.id],
    operations: [
      {
        type: Operation_Type.LAUNCH_GROUP,
        launchGroup: {
          executor: { executorId: 'pod', type: ExecutorInfo_Type.DEFAULT, resources: parseWire('cpus:0.5;mem:32') },
          taskGroup: { tasks: ['g1', 'g2'].map((taskId) => ({ taskId, name: taskId, resources: parseWire('cpus:1'), command })) },
        },
      },
    ],
  });
  assert.is(err, null, err?.details);
  const executors = (await get(tm, '/api/v1/executors')).json.executors;
  assert.equal(executors, [
    { agentId: a.id, frameworkId: scheduler.frameworkId, executorId: 'pod', role: 'web', resources: [{ name: 'cpus', scalar: 0.5 }, { name: 'mem', scalar: 32 }], taskCount: 2 },
  ]);
  const agentEntry = (await get(tm, '/api/v1/agents')).json.agents[0];
  assert.is(agentEntry.executorCount, 1);
  // used = the two tasks and the executor
  const cpus = (await get(tm, '/api/v1/state/summary')).json.resources.find((r: { name: string }) => r.name === 'cpus');
  assert.is(cpus.used, 2.5);
});

test('the state written in batches: the JSON of the whole array, whatever the batch boundaries', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 7]) {
    const items = Array.from({ length: n }, (_, i) => ({ i, s: `x${i}` }));
    const pieces = [...itemsJson(items, (x) => ({ ...x, twice: x.i * 2 }), 2)];
    assert.equal(JSON.parse(`[${pieces.join('')}]`), items.map((x) => ({ ...x, twice: x.i * 2 })), `n=${n}`);
    assert.is(pieces.length, Math.ceil(n / 2));
  }
});

test('tasks: filters, search and pages', async () => {
  await runningCluster();
  const running = (await get(tm, '/api/v1/tasks?state=RUNNING')).json;
  assert.is(running.total, 3);
  assert.equal(running.tasks.map((t: { id: string }) => t.id), ['t0', 't1', 't2']);
  assert.is((await get(tm, '/api/v1/tasks?state=TASK_RUNNING,staging')).json.total, 5);
  assert.is((await get(tm, `/api/v1/tasks?framework=${scheduler.frameworkId}&state=STAGING`)).json.total, 2);
  assert.is((await get(tm, `/api/v1/tasks?agent=${agents[0]!.id}`)).json.total, 5);
  assert.is((await get(tm, '/api/v1/tasks?agent=nobody')).json.total, 0);
  assert.equal((await get(tm, '/api/v1/tasks?q=T3')).json.tasks.map((t: { id: string }) => t.id), ['t3']);
  const page = (await get(tm, '/api/v1/tasks?offset=1&limit=2')).json;
  assert.equal({ total: page.total, offset: page.offset, limit: page.limit, ids: page.tasks.map((t: { id: string }) => t.id) }, { total: 5, offset: 1, limit: 2, ids: ['t1', 't2'] });
  assert.is((await get(tm, '/api/v1/tasks?offset=10')).json.tasks.length, 0);
  assert.is((await get(tm, '/api/v1/tasks?completed=only')).json.total, 0);
  const task = page.tasks[0];
  assert.is(task.state, 'RUNNING');
  assert.equal(task.statuses.map((s: { state: string }) => s.state), ['STAGING', 'RUNNING']);
});

test('bad input: 400 naming the field, 404 for unknown ids and paths, 405 for a wrong method; nothing changes', async () => {
  await runningCluster();
  const bad: Array<[string, string, RegExp]> = [
    ['GET', '/api/v1/tasks?limit=0', /^limit: must be an integer in \[1, 1000\]/],
    ['GET', '/api/v1/tasks?limit=abc', /^limit: /],
    ['GET', '/api/v1/tasks?offset=-1', /^offset: /],
    ['GET', '/api/v1/tasks?state=RUNNNING', /^state: "RUNNNING" is not a task state/],
    ['GET', '/api/v1/tasks?completed=maybe', /^completed: must be one of include, exclude, only/],
    ['GET', '/api/v1/tasks?framework=a%2Fb', /^framework: must not contain '\/'/],
    ['GET', '/api/v1/tasks?stat=RUNNING', /^stat: unknown query parameter/],
    ['GET', '/api/v1/agents?state=sleepy', /^state: must be one of/],
    ['GET', '/api/v1/state/summary?x=1', /^x: unknown query parameter/],
    ['GET', '/api/v1/logs?limit=5000', /^limit: /],
    ['GET', '/api/v1/logs?level=loud', /^level: /],
    ['GET', '/api/v1/events?types=task,weather', /^types: "weather" is not one of/],
  ];
  for (const [method, path, pattern] of bad) {
    const answer = await get(tm, path);
    assert.is(answer.status, 400, `${method} ${path}: ${answer.text}`);
    assert.match(answer.json.error, pattern, path);
  }
  const badBodies: Array<[string, unknown, RegExp]> = [
    ['/api/v1/frameworks/teardown', {}, /^frameworkId: must be a string/],
    ['/api/v1/frameworks/teardown', { frameworkId: 'x', force: true }, /^force: unknown field/],
    ['/api/v1/frameworks/teardown', [], /^body: must be a JSON object/],
    ['/api/v1/frameworks/teardown', '{not json', /^body: not valid JSON/],
    ['/api/v1/roles/weights', { weights: { web: 0 } }, /^weights\.web: must be a finite number above 0/],
    ['/api/v1/roles/weights', { weights: { web: 2, 'a b': 1 } }, /^weights\.a b: /],
    ['/api/v1/roles/weights', { weights: {} }, /^weights: must name at least one role/],
    ['/api/v1/quota', { role: 'web', guarantees: { cpus: 5 }, limits: { cpus: 1 } }, /^guarantees\.cpus: 5 is above the limit of 1/],
    ['/api/v1/quota', { role: 'web', guarantees: { cpus: -1 } }, /^guarantees\.cpus: must be a finite number >= 0/],
    ['/api/v1/quota', { role: '*', guarantees: { cpus: 1 } }, /^role: the default role/],
    ['/api/v1/quota', { role: 'web' }, /^guarantees: give guarantees and\/or limits/],
    ['/api/v1/quota', { role: 'web', remove: true, limits: { cpus: 1 } }, /^remove: cannot be given/],
    ['/api/v1/agents/drain', { agentId: agents[0]!.id, gracePeriodSeconds: -1 }, /^gracePeriodSeconds: must be a finite number >= 0/],
    ['/api/v1/agents/deactivate', { agentId: '' }, /^agentId: must not be empty/],
    ['/api/v1/agents/reactivate', { agentId: agents[0]!.id, now: 1 }, /^now: unknown field/],
  ];
  for (const [path, body, pattern] of badBodies) {
    const answer = await post(tm, path, body);
    assert.is(answer.status, 400, `${path} ${JSON.stringify(body)}: ${answer.text}`);
    assert.match(answer.json.error, pattern, `${path} ${JSON.stringify(body)}`);
  }
  // Nothing changed: the weight of web (the first entry of a rejected batch) and its quota are as before, the agent takes offers.
  const web = (await get(tm, '/api/v1/roles')).json.roles.find((r: { name: string }) => r.name === 'web');
  assert.is(web.weight, 1);
  assert.equal(web.guarantees, {});
  assert.equal(web.limits, {});
  assert.is((await get(tm, '/api/v1/agents')).json.agents[0].operatorState, 'active');
  assert.is((await get(tm, '/api/v1/state/summary')).json.frameworks.active, 1);

  for (const [path, body] of [
    ['/api/v1/frameworks/teardown', { frameworkId: 'nope' }],
    ['/api/v1/agents/drain', { agentId: 'nope' }],
    ['/api/v1/agents/deactivate', { agentId: 'nope' }],
    ['/api/v1/agents/reactivate', { agentId: 'nope' }],
  ] as const) {
    const answer = await post(tm, path, body);
    assert.is(answer.status, 404, path);
    assert.match(answer.json.error, /^(frameworkId|agentId): no (framework|agent) "nope"/);
  }
  assert.is((await get(tm, '/api/v1/nothing')).status, 404);
  const wrong = await post(tm, '/api/v1/state', {});
  assert.is(wrong.status, 405);
  assert.is(wrong.headers.allow, 'GET');
  assert.is((await get(tm, '/api/v1/frameworks/teardown')).status, 405);
});

test('teardown: the framework is removed, its tasks end KILLED, its agent shuts it down, its scheduler hears an error', async () => {
  const { a } = await runningCluster();
  const frameworkId = scheduler.frameworkId;
  const answer = await post(tm, '/api/v1/frameworks/teardown', { frameworkId });
  assert.is(answer.status, 200, answer.text);
  assert.equal(answer.json, { frameworkId });
  await a.inbox.next((m) => m.shutdownFramework?.frameworkId === frameworkId, 'ShutdownFramework');
  await scheduler.events.next((e) => e.error !== undefined, 'ERROR event');
  const frameworks = (await get(tm, '/api/v1/frameworks')).json;
  assert.equal(frameworks.frameworks, []);
  assert.equal(frameworks.completedFrameworks.map((f: { id: string }) => f.id), [frameworkId]);
  const completed = (await get(tm, '/api/v1/tasks?completed=only')).json;
  assert.is(completed.total, 5);
  assert.ok(completed.tasks.every((t: { state: string; statuses: Array<{ reason?: string }> }) => t.state === 'KILLED' && t.statuses.at(-1)!.reason === 'FRAMEWORK_REMOVED'));
  const summary = (await get(tm, '/api/v1/state/summary')).json;
  assert.is(summary.tasks.total, 0);
  assert.is(summary.resources.find((r: { name: string }) => r.name === 'cpus').used, 0);
  const again = await post(tm, '/api/v1/frameworks/teardown', { frameworkId });
  assert.is(again.status, 404);
  assert.match(again.json.error, /already removed/);
});

test('drain: no more offers of the agent, its tasks killed; drained once they end; reactivate brings offers back', async () => {
  const { a, names } = await runningCluster();
  const answer = await post(tm, '/api/v1/agents/drain', { agentId: a.id, gracePeriodSeconds: 3 });
  assert.equal(answer.json, { agentId: a.id, operatorState: 'draining' });
  for (const name of names) {
    const kill = await a.inbox.next((m) => m.killTask?.taskId === name, `KillTask ${name}`);
    assert.is(kill.killTask!.killPolicy!.gracePeriodSeconds, 3);
  }
  await eventually(() => tm.master.state().offers.length === 0, 'offers of the draining agent rescinded');
  assert.is((await get(tm, '/api/v1/state/summary')).json.agents.draining, 1);

  report(a, scheduler.frameworkId, names, TaskState.KILLED);
  await eventually(() => tm.master.state().tasks.every((t) => t.state === 'KILLED'), 'every task KILLED');
  const drained = (await get(tm, '/api/v1/agents')).json.agents[0];
  assert.is(drained.operatorState, 'drained');
  assert.is(drained.category, 'drained');
  // Its resources are free again, yet nothing is offered while drained.
  scheduler.events.items.length = 0;
  assert.ok(await scheduler.events.none((e) => e.offers !== undefined, 300));
  assert.is(tm.master.state().offers.length, 0);

  const back = await post(tm, '/api/v1/agents/reactivate', { agentId: a.id });
  assert.equal(back.json, { agentId: a.id, operatorState: 'active' });
  const offers = await scheduler.offers('an offer after reactivation');
  assert.is(offers[0]!.agentId, a.id);
});

test('deactivate: offers rescinded and none made, tasks keep running, kept across a reconnect; reactivate ends it', async () => {
  const { a } = await runningCluster();
  await eventually(() => tm.master.state().offers.length > 0, 'an outstanding offer');
  const answer = await post(tm, '/api/v1/agents/deactivate', { agentId: a.id });
  assert.equal(answer.json, { agentId: a.id, operatorState: 'deactivated' });
  await scheduler.events.next((e) => e.rescind !== undefined, 'RESCIND');
  assert.is(tm.master.state().offers.length, 0);
  assert.is((await get(tm, '/api/v1/tasks?state=RUNNING')).json.total, 3);
  assert.not.ok(a.inbox.items.some((m) => m.killTask), 'no task killed');

  // The agent's stream breaks and it re-registers: still deactivated.
  a.hangUp();
  await until(async () => (await get(tm, '/api/v1/state/summary')).json.agents.disconnected === 1, 'the disconnect seen');
  const registered = await a.reregister();
  assert.ok(registered.registered);
  const back = (await get(tm, '/api/v1/agents')).json.agents[0];
  assert.equal({ connected: back.connected, operatorState: back.operatorState, category: back.category }, { connected: true, operatorState: 'deactivated', category: 'deactivated' });
  scheduler.events.items.length = 0;
  assert.ok(await scheduler.events.none((e) => e.offers !== undefined, 300), 'no offer of a deactivated agent after it re-registers');

  await post(tm, '/api/v1/agents/reactivate', { agentId: a.id });
  const offers = await scheduler.offers('an offer after reactivation');
  assert.is(offers[0]!.agentId, a.id);
});

test('weights and quota: set through the allocator, shown in roles, quota removed again', async () => {
  await runningCluster();
  const w = await post(tm, '/api/v1/roles/weights', { weights: { web: 2.5, batch: 0.5 } });
  assert.is(w.status, 200, w.text);
  assert.equal(w.json, { weights: { web: 2.5, batch: 0.5 } });
  const q = await post(tm, '/api/v1/quota', { role: 'web', guarantees: { cpus: 2, mem: 1024 }, limits: { cpus: 3 } });
  assert.is(q.status, 200, q.text);
  assert.equal(q.json.guarantees, { cpus: 2, mem: 1024 });
  assert.equal(q.json.limits, { cpus: 3 });
  const roles = (await get(tm, '/api/v1/roles')).json.roles;
  const web = roles.find((r: { name: string }) => r.name === 'web');
  const batch = roles.find((r: { name: string }) => r.name === 'batch');
  assert.is(web.weight, 2.5);
  assert.equal(web.guarantees, { cpus: 2, mem: 1024 });
  assert.is(batch.weight, 0.5);
  // The share is the allocator's: dominant share over the cluster, divided by the weight.
  assert.ok(web.share > 0 && web.share < 1);
  const removed = await post(tm, '/api/v1/quota', { role: 'web', remove: true });
  assert.equal(removed.json.guarantees, {});
  assert.equal(removed.json.limits, {});
});

test('the event stream starts with a summary, then delivers a launch and a kill', async () => {
  await scheduler.subscribe({ name: 'events' });
  const a = await agent();
  const reader = await EventReader.open(tm, '?types=task,agent');
  try {
    const first = await reader.events.next(() => true, 'the first event');
    assert.is(first.type, 'summary');
    assert.is(first.data.agents.active, 1);
    await launch(scheduler, ['e1']);
    const launched = await reader.events.next((e) => e.type === 'task' && e.data.kind === 'launched', 'launched');
    assert.equal({ id: launched.data.task.id, state: launched.data.task.state, framework: launched.data.task.frameworkId }, { id: 'e1', state: 'STAGING', framework: scheduler.frameworkId });
    report(a, scheduler.frameworkId, ['e1'], TaskState.RUNNING);
    const running = await reader.events.next((e) => e.type === 'task' && e.data.kind === 'updated', 'RUNNING');
    assert.is(running.data.status.state, 'RUNNING');

    const kill = await post(tm, '/api/v1/tasks/kill', { taskId: 'e1' });
    assert.is(kill.status, 200, kill.text);
    await a.inbox.next((m) => m.killTask?.taskId === 'e1', 'KillTask');
    report(a, scheduler.frameworkId, ['e1'], TaskState.KILLED);
    const killed = await reader.events.next((e) => e.type === 'task' && e.data.kind === 'updated' && e.data.task.state === 'KILLED', 'KILLED');
    assert.is(killed.data.status.state, 'KILLED');
    // Offer events were not asked for.
    assert.not.ok(reader.events.items.some((e) => e.type === 'offer'));

    await post(tm, '/api/v1/agents/deactivate', { agentId: a.id });
    const deactivated = await reader.events.next((e) => e.type === 'agent', 'agent event');
    assert.equal(deactivated.data, { kind: 'deactivated', agent: { id: a.id, hostname: 'agent.test', state: 'active', operatorState: 'deactivated', connected: true } });
  } finally {
    reader.close();
  }
});

test.run();
