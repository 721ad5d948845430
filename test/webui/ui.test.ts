// The web UI in a real headless Chromium against a real master and agents
// (in this process) with tasks launched by the SDK: the dashboard's numbers
// are the operator API's, launches and kills show up without a reload, the
// sandbox browser tails a task's stdout, the tasks page filters, the roles
// page shows the allocator's shares, and every page renders without a script
// error. Screenshots: test-output/webui/.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState } from '@tessera/common';

import { closeFrameworks, startFramework, type TestFramework } from '../e2e/framework.js';
import { launch, openBrowser, screenshot, startUiCluster, testIdText, until, type Browsing, type UiCluster } from './harness.js';

let cluster: UiCluster;
let browsing: Browsing;
let web: TestFramework;
let batch: TestFramework;
let webTasks: string[] = [];

// Prints its id, then a second line a moment later (for the live tail), then waits to be killed.
const LONG = 'echo "hello from $TESSERA_TASK_ID"; sleep 1; echo "second line"; sleep 600';

test.before(async () => {
  cluster = await startUiCluster(2);
  browsing = await openBrowser();
  web = startFramework(cluster.grpc, { name: 'web', roles: ['web'] });
  batch = startFramework(cluster.grpc, { name: 'batch', roles: ['batch'] });
});

test.after(async () => {
  closeFrameworks();
  // Each step even if one before it fails: a browser that will not close must not leave the cluster running.
  await browsing?.close().catch(() => undefined);
  await cluster?.stop();
});

const page = () => browsing.page;
const num = async (id: string): Promise<number> => Number((await testIdText(page(), id)).replace(/,/g, ''));

/** The resources table's cell (data-value) for a row and kind. */
async function cell(row: string, kind: string): Promise<number> {
  const v = await page().locator(`[data-testid="resources"] tr[data-row="${row}"] td[data-kind="${kind}"]`).getAttribute('data-value', { timeout: 20_000 });
  return Number(v);
}

test('the dashboard shows the numbers of the operator API while tasks run', async () => {
  webTasks = await launch(web, 'web', LONG, 3);
  for (const id of webTasks) await web.waitForState(id, TaskState.RUNNING);

  await page().goto(`http://${cluster.http}/`);
  await page().evaluate(() => ((globalThis as unknown as { loadedOnce: number }).loadedOnce = 1));
  await until('3 RUNNING on the dashboard', () => num('tasks-RUNNING'), (n) => n === 3);

  const summary = await cluster.api('/api/v1/state/summary');
  assert.is(await num('agents-active'), summary.agents.active);
  assert.is(await num('agents-active'), 2);
  assert.is(await num('frameworks-active'), summary.frameworks.active);
  assert.is(await testIdText(page(), 'version'), summary.version);
  assert.is(await testIdText(page(), 'master-id'), summary.id);
  assert.is(await testIdText(page(), 'leader'), summary.httpAddress);

  // Total and Allocated are steady while the tasks run; Offered and Idle move
  // with every offer, so those are compared as one reading of both sides.
  const total = (k: string) => summary.resources.find((r: { name: string }) => r.name === k);
  assert.is(await cell('Total', 'cpus'), total('cpus').total);
  assert.is(await cell('Total', 'mem'), total('mem').total);
  assert.is(await cell('Allocated', 'cpus'), total('cpus').used);
  assert.is(await cell('Allocated', 'cpus'), 1.5); // 3 tasks × 0.5 cpus
  assert.is(await cell('Allocated', 'mem'), total('mem').used);
  await until(
    'Offered and Idle as the API says',
    async () => {
      const s = await cluster.api('/api/v1/state/summary');
      const cpus = s.resources.find((r: { name: string }) => r.name === 'cpus');
      return [await cell('Offered', 'cpus'), await cell('Idle', 'cpus'), cpus.offered, cpus.idle];
    },
    ([offered, idle, apiOffered, apiIdle]) => offered === apiOffered && idle === apiIdle,
  );
  const active = await page().locator('[data-testid="active-tasks"] tbody tr[data-key]').count();
  assert.is(active, 3);
  await screenshot(page(), 'dashboard');
});

test('launching and killing a task updates the dashboard live, without a reload', async () => {
  const [extra] = await launch(web, 'web-extra', LONG, 1);
  await until('4 RUNNING on the dashboard', () => num('tasks-RUNNING'), (n) => n === 4);
  await page().locator(`[data-testid="active-tasks"] tr[data-key$="/${extra}"]`).waitFor({ timeout: 20_000 });

  const victim = webTasks[0]!;
  await web.client.kill(victim);
  await web.waitForState(victim, TaskState.KILLED);
  await until('3 RUNNING after the kill', () => num('tasks-RUNNING'), (n) => n === 3);
  const row = page().locator(`[data-testid="completed-tasks"] tr[data-key$="/${victim}"]`);
  await row.waitFor({ timeout: 20_000 });
  assert.match((await row.textContent()) ?? '', /KILLED/);
  assert.is(await page().locator(`[data-testid="active-tasks"] tr[data-key$="/${victim}"]`).count(), 0);
  // Still the page that was loaded first: the changes came in live.
  assert.is(await page().evaluate(() => (globalThis as unknown as { loadedOnce?: number }).loadedOnce), 1);
  // The throughput chart's counts come from the event stream: the launch and the kill are in them.
  const counted = await page().evaluate(() => {
    const { store } = (globalThis as unknown as { tessera: { store: { history: { buckets: Array<{ launched: number; completed: number }> } } } }).tessera;
    return store.history.buckets.reduce((n, b) => ({ launched: n.launched + b.launched, completed: n.completed + b.completed }), { launched: 0, completed: 0 });
  });
  assert.ok(counted.launched >= 1, `launches counted from the stream (${counted.launched})`);
  assert.ok(counted.completed >= 1, `completions counted from the stream (${counted.completed})`);
  await screenshot(page(), 'dashboard-after-kill');
});

test('the sandbox browser shows a task’s stdout, live', async () => {
  const id = webTasks[1]!;
  await page().click('nav >> text=Tasks');
  await page().fill('[data-testid="task-search"]', id);
  const row = page().locator(`[data-testid="tasks"] tr[data-key$="/${id}"]`);
  await row.waitFor({ timeout: 20_000 });
  await row.locator('text=Sandbox').click();
  await page().locator('[data-testid="sandbox-files"] tr[data-file="stdout"]').waitFor({ timeout: 20_000 });
  const tail = page().locator('[data-testid="tail"]');
  await until('stdout in the tail', async () => (await tail.textContent()) ?? '', (t) => t.includes(`hello from ${id}`) && t.includes('second line'));
  await screenshot(page(), 'sandbox');

  // stderr through the same proxy: pick it from the listing.
  await page().locator('[data-testid="sandbox-files"] tr[data-file="stderr"] a').click();
  await until('the stderr file selected', async () => page().url(), (u) => u.includes('file=stderr'));
});

test('the tasks page searches and filters by state, framework and agent', async () => {
  const batchTasks = await launch(batch, 'batch', 'sleep 600', 2, 'cpus:0.25;mem:16');
  for (const id of batchTasks) await batch.waitForState(id, TaskState.RUNNING);
  await page().goto(`http://${cluster.http}/#/tasks`);
  const rows = page().locator('[data-testid="tasks"] tbody tr[data-key]');
  const keys = async (): Promise<string[]> => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key') ?? ''))).sort();

  // All tasks: 4 of web (one KILLED) and 2 of batch.
  await until('6 tasks listed', keys, (k) => k.length === 6);

  await page().selectOption('[data-testid="task-state"]', 'KILLED');
  await until('only the killed task', keys, (k) => k.length === 1 && k[0]!.endsWith(`/${webTasks[0]}`));

  await page().selectOption('[data-testid="task-state"]', '');
  await page().selectOption('[data-testid="task-framework"]', batch.frameworkId()!);
  await until('only batch tasks', keys, (k) => k.length === 2 && k.every((x) => x.startsWith(`${batch.frameworkId()}/`)));

  const api = await cluster.api(`/api/v1/tasks?framework=${batch.frameworkId()}`);
  const agentId: string = api.tasks[0].agentId;
  const onAgent = api.tasks.filter((t: { agentId: string }) => t.agentId === agentId).length;
  await page().fill('[data-testid="task-agent"]', agentId);
  await page().press('[data-testid="task-agent"]', 'Enter');
  await until(`batch tasks on agent ${agentId}`, keys, (k) => k.length === onAgent);
  await screenshot(page(), 'tasks-filtered');
});

test('the roles page shows the shares the allocator reports', async () => {
  await cluster.post('/api/v1/roles/weights', { weights: { web: 2, batch: 1 } });
  // Offers count in a role's allocation: with both frameworks suppressed and
  // their offers declined, the shares stop moving and can be compared exactly.
  for (const fw of [web, batch]) {
    await fw.client.suppress();
    const outstanding = fw.takeOffers().map((o) => o.id);
    if (outstanding.length) await fw.client.decline(outstanding, { refuseSeconds: 3600 });
  }
  await page().goto(`http://${cluster.http}/#/roles`);
  await until(
    'every role’s share as /api/v1/roles says',
    async () => {
      const { roles } = await cluster.api('/api/v1/roles');
      const shown: Array<[string, string, string]> = [];
      for (const r of roles as Array<{ name: string; share: number }>) {
        const text = (await page().locator(`[data-testid="share-${r.name}"]`).textContent({ timeout: 20_000 })) ?? '';
        shown.push([r.name, text.trim(), r.share.toFixed(4)]);
      }
      return shown;
    },
    (shown) => shown.length >= 2 && shown.every(([, text, want]) => text === want),
  );
  assert.is((await testIdText(page(), 'weight-web')).trim(), '2');
  assert.is((await testIdText(page(), 'weight-batch')).trim(), '1');
  const webShare = Number(await page().locator('[data-testid="share-web"]').getAttribute('data-share'));
  assert.ok(webShare > 0, 'web holds resources, so its share is above 0');
  await screenshot(page(), 'roles');
});

test('the roles page sets a weight through the operator API, and shows the master’s refusal of a bad one', async () => {
  await page().goto(`http://${cluster.http}/#/roles`);
  await page().fill('[data-testid="role-name"]', 'batch');
  await page().fill('[data-testid="role-weight"]', '3');
  await page().click('[data-testid="set-weight"]');
  await until('weight 3 on the page', async () => (await testIdText(page(), 'weight-batch')).trim(), (w) => w === '3');
  const { roles } = await cluster.api('/api/v1/roles');
  assert.is(roles.find((r: { name: string }) => r.name === 'batch').weight, 3);

  await page().fill('[data-testid="role-weight"]', '-1');
  await page().click('[data-testid="set-weight"]');
  await until('the refusal', () => testIdText(page(), 'role-settings-status'), (t) => /^weights\.batch: must be a finite number above 0/.test(t));
  assert.is((await testIdText(page(), 'weight-batch')).trim(), '3', 'nothing changed');
  await screenshot(page(), 'roles-settings');
});

test('every page renders without a script error', async () => {
  const agents = await cluster.api('/api/v1/agents');
  const agent = agents.agents.find((a: { hostname: string }) => a.hostname === 'agent-1');
  const pages: Array<[string, string]> = [
    ['frameworks', 'frameworks-page'],
    [`frameworks/${web.frameworkId()}`, 'framework-page'],
    ['agents', 'agents-page'],
    [`agents/${agent.id}`, 'agent-page'],
    ['offers', 'offers-page'],
    ['log', 'log-page'],
    ['', 'dashboard'],
  ];
  for (const [hash, testId] of pages) {
    await page().goto(`http://${cluster.http}/#/${hash}`);
    await page().locator(`[data-testid="${testId}"]`).waitFor({ timeout: 20_000 });
    await screenshot(page(), `page-${(hash || 'dashboard').replace(/\/.*/, '-detail')}`);
  }
  await page().goto(`http://${cluster.http}/#/agents/${agent.id}`);
  assert.is((await testIdText(page(), 'attr-rack')).trim(), 'r1');
  // The agent's containers, through the master's proxy: one per running task there.
  const running = (await cluster.api(`/api/v1/tasks?agent=${agent.id}&state=RUNNING`)).tasks.map((t: { id: string }) => t.id).sort();
  await until(
    'the agent’s containers',
    async () => (await page().locator('[data-testid="containers"] tbody tr[data-key] td:first-child').allTextContents()).sort(),
    (shown) => JSON.stringify(shown) === JSON.stringify(running),
  );
  await page().goto(`http://${cluster.http}/#/log`);
  // The master logged the agents' registration; the log page shows it.
  await until('the master log', async () => (await page().locator('[data-testid="master-log"]').textContent()) ?? '', (t) => /agent/i.test(t) && t.includes('INFO'));
  assert.equal(browsing.pageErrors, []);
});

test('against a master without /api/v1 the dashboard and tasks page read /state instead', async () => {
  const context = await browsing.browser.newContext();
  try {
    const legacy = await context.newPage();
    // As an older master would answer: no operator API, only /state.
    await legacy.route('**/api/v1/**', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no such endpoint"}' }));
    const state = await cluster.api('/state');
    const running = state.tasks.filter((t: { state: string }) => t.state === 'RUNNING').length;
    await legacy.goto(`http://${cluster.http}/`);
    await until('RUNNING from /state', async () => Number(await testIdText(legacy, 'tasks-RUNNING')), (n) => n === running);
    const totalCpus = state.agents.reduce((n: number, a: { total: Array<{ name: string; scalar?: number }> }) => n + (a.total.find((r) => r.name === 'cpus')?.scalar ?? 0), 0);
    const cpus = await legacy.locator('[data-testid="resources"] tr[data-row="Total"] td[data-kind="cpus"]').getAttribute('data-value');
    assert.is(Number(cpus), totalCpus);
    await legacy.goto(`http://${cluster.http}/#/tasks?state=KILLED`);
    await until('the killed task, filtered in the browser', async () => legacy.locator('[data-testid="tasks"] tbody tr[data-key]').count(), (n) => n === 1);
    await legacy.goto(`http://${cluster.http}/#/roles`);
    await legacy.locator('text=This master does not report roles').waitFor({ timeout: 20_000 });
  } finally {
    await context.close();
  }
});

test('a framework torn down from its page ends its tasks and moves to the completed frameworks', async () => {
  page().once('dialog', (d) => void d.accept());
  await page().goto(`http://${cluster.http}/#/frameworks/${batch.frameworkId()}`);
  await page().click('[data-testid="teardown"]');
  await page().goto(`http://${cluster.http}/#/frameworks`);
  await page().locator(`[data-testid="completed-frameworks"] tr[data-key="${batch.frameworkId()}"]`).waitFor({ timeout: 20_000 });
  const { tasks } = await cluster.api(`/api/v1/tasks?framework=${batch.frameworkId()}`);
  assert.ok(tasks.length > 0 && tasks.every((t: { state: string }) => t.state === 'KILLED'), 'every batch task KILLED');
  assert.is(await page().locator(`[data-testid="frameworks"] tr[data-key="${batch.frameworkId()}"]`).count(), 0);
});

test.run();
