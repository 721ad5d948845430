// npm run bench:webui — the web UI's time to first render on a large cluster.
//
// Builds the cluster bench:operator measures (../operator/large-cluster.ts: a
// real master, N simulated agents, M running tasks of one SDK framework),
// then opens the UI the master serves in headless Chromium (Debian's, via
// playwright-core) and times, per view, from the navigation's start to the
// first frame that shows the view's data (in the page: performance.now() on
// the first animation frame where the condition holds). Each run is a fresh
// browser context: nothing cached.
//
//   dashboard                the summary numbers and the first 10 active tasks
//   tasks                    the first page (50) of all tasks, with the total
//   tasks, search            a search by task id (the master filters 100,000)
//   agents                   the first page (50) of agents
//   dashboard, /state only   as a master without /api/v1 would be read: the
//                            whole /state fetched and summarized in the browser
//
//   npm run bench:webui                                 # 10,000 agents, 100,000 tasks
//   npm run bench:webui -- --agents 1000 --tasks 10000 --runs 3
//   npm run bench:webui -- --trace       # and each view's requests: where the time goes
//   npm run bench:webui -- --screenshots # and each view as it first rendered, in test-output/webui/

import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chromium, type Browser } from 'playwright-core';

import { buildLargeCluster } from '../operator/large-cluster.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    tasks: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    chromium: { type: 'string', default: process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium' },
    json: { type: 'boolean', default: false },
    // Print each view's requests (start, duration) of its median run: where the time goes.
    trace: { type: 'boolean', default: false },
    // Save a screenshot of each view once ready (test-output/webui/bench-*.png).
    screenshots: { type: 'boolean', default: false },
  },
});
const AGENTS = Number(args.agents);
const TASKS = Number(args.tasks);
const RUNS = Number(args.runs);
const TIMEOUT_MS = 120_000;
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'webui');

const progress = (line: string) => process.stderr.write(`[bench:webui] ${line}\n`);

interface View {
  name: string;
  hash: string;
  /** A JS expression, true once the view shows its data. */
  ready: string;
  /** Answer /api/v1/* with 404, as a master without the operator API would. */
  stateOnly?: boolean;
}

const rows = (testId: string, n: number) => `document.querySelectorAll('[data-testid="${testId}"] tbody tr[data-key]').length >= ${n}`;
const text = (testId: string) => `(document.querySelector('[data-testid="${testId}"]')?.textContent ?? '')`;
const total = TASKS.toLocaleString('en-US');

const VIEWS: View[] = [
  { name: 'dashboard', hash: '#/', ready: `${text('tasks-RUNNING')} === '${total}' && ${rows('active-tasks', 10)}` },
  { name: 'tasks (first page of 50)', hash: '#/tasks', ready: `${rows('tasks', 50)} && ${text('pager-pos')}.endsWith('of ${total}')` },
  { name: 'tasks, search by id', hash: `#/tasks?q=t${Math.floor(TASKS / 2)}`, ready: `[...document.querySelectorAll('[data-testid="tasks"] tbody tr[data-key]')].some((tr) => tr.getAttribute('data-key').endsWith('/t${Math.floor(TASKS / 2)}'))` },
  { name: 'agents (first page of 50)', hash: '#/agents', ready: `document.querySelectorAll('[data-testid="agents"] tbody tr[data-key]').length >= ${Math.min(50, AGENTS)}` },
  { name: 'dashboard, /state only (no /api/v1)', hash: '#/', ready: `${text('tasks-RUNNING')} === '${total}' && ${rows('active-tasks', 10)}`, stateOnly: true },
];

interface Measured {
  view: string;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  firstPaintMs: number;
  bytes: number;
  /** The slowest request of the median run. */
  slowest: { path: string; ms: number };
}

interface Run {
  ms: number;
  firstPaintMs: number;
  /** Bytes over the wire (transferSize) of what the page fetched before it was ready. */
  bytes: number;
  /** The longest request before it was ready (name without the origin, duration). */
  slowest: { path: string; ms: number };
  /** Every request before it was ready: path, start and duration (ms since the navigation's start). */
  requests: Array<{ path: string; start: number; ms: number }>;
}

async function measure(browser: Browser, origin: string, view: View, screenshot?: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await context.newPage();
    if (view.stateOnly) await page.route('**/api/v1/**', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no such endpoint"}' }));
    await page.goto(`${origin}/${view.hash}`, { waitUntil: 'commit', timeout: TIMEOUT_MS });
    const handle = await page.waitForFunction(`(${view.ready}) ? performance.now() : false`, undefined, { polling: 'raf', timeout: TIMEOUT_MS });
    const ms = (await handle.jsonValue()) as number;
    // In the page (a string: this file is type-checked without the DOM's types).
    const timing = (await page.evaluate(`(() => {
      const entries = performance.getEntriesByType('resource').filter((e) => e.startTime < ${ms});
      const slowest = entries.reduce((a, e) => (e.duration > a.ms ? { path: e.name.replace(location.origin, ''), ms: e.duration } : a), { path: '', ms: 0 });
      return {
        firstPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
        bytes: entries.reduce((n, e) => n + (e.transferSize || 0), 0) + (performance.getEntriesByType('navigation')[0]?.transferSize ?? 0),
        slowest,
        requests: entries.map((e) => ({ path: e.name.replace(location.origin, ''), start: e.startTime, ms: e.duration })),
      };
    })()`)) as Omit<Run, 'ms'>;
    if (screenshot) {
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
    }
    return { ms, ...timing };
  } finally {
    await context.close();
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const cluster = await buildLargeCluster({ agents: AGENTS, tasks: TASKS, progress });
  const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const results: Measured[] = [];
  try {
    const origin = `http://${cluster.master.httpAddress}`;
    for (const view of VIEWS) {
      const shot = args.screenshots ? join(SCREENSHOTS, `bench-${view.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}.png`) : undefined;
      await measure(browser, origin, view, shot); // warm-up (the master's and Chromium's)
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measure(browser, origin, view));
      runs.sort((a, b) => a.ms - b.ms);
      const paints = runs.map((r) => r.firstPaintMs).sort((a, b) => a - b);
      const median = runs[Math.floor(runs.length / 2)]!;
      const times = runs.map((r) => r.ms);
      if (args.trace) {
        progress(`${view.name}, median run (${median.ms.toFixed(0)} ms): requests`);
        for (const r of median.requests) progress(`  ${r.start.toFixed(0).padStart(6)} +${r.ms.toFixed(0).padStart(5)} ms  ${r.path}`);
      }
      results.push({ view: view.name, medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9), minMs: times[0]!, firstPaintMs: quantile(paints, 0.5), bytes: median.bytes, slowest: median.slowest });
      progress(`${view.name}: median ${quantile(times, 0.5).toFixed(0)} ms`);
    }
  } finally {
    await browser.close();
    await cluster.close();
  }
  console.log(`\nWeb UI time to first render: ${AGENTS.toLocaleString('en-US')} agents, ${TASKS.toLocaleString('en-US')} running tasks`);
  console.log(`(setup: agents registered in ${cluster.registerS.toFixed(1)} s, tasks running in ${cluster.launchS.toFixed(1)} s; ${RUNS} runs per view after one warm-up, each in a fresh browser context; navigation start → first frame showing the data)\n`);
  console.log('| view | median | p90 | min | first paint | transferred | slowest request (median run) |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const slowest = `\`${r.slowest.path.length > 60 ? `${r.slowest.path.slice(0, 57)}…` : r.slowest.path}\` ${r.slowest.ms.toFixed(0)} ms`;
    console.log(`| ${r.view} | ${r.medianMs.toFixed(0)} ms | ${r.p90Ms.toFixed(0)} ms | ${r.minMs.toFixed(0)} ms | ${r.firstPaintMs < 0 ? '—' : `${r.firstPaintMs.toFixed(0)} ms`} | ${(r.bytes / 1024).toFixed(0)} KiB | ${slowest} |`);
  }
  if (args.json) console.log(JSON.stringify({ agents: AGENTS, tasks: TASKS, runs: RUNS, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
