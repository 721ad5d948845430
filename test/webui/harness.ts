// What the web UI's browser tests share: a real cluster in this process (the
// master and agents started with startMaster / startAgent on loopback,
// ephemeral ports, a temporary directory), a framework from the SDK to launch
// and kill tasks, and Debian's Chromium driven by playwright-core. Screenshots
// go to test-output/webui/ (gitignored).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startAgent, type AgentHandle } from '@tessera/agent';
import { createLogger, silentLogger } from '@tessera/common';
import { startMaster, type MasterHandle } from '@tessera/master';
import { planLaunches } from '@tessera/sdk';
import { chromium, type Browser, type Page } from 'playwright-core';

import { waitFor } from '../e2e/cluster.js';
import type { TestFramework } from '../e2e/framework.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = join(root, 'test-output', 'webui');
export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';

export { waitFor };

export interface UiCluster {
  master: MasterHandle;
  agents: AgentHandle[];
  /** The master's HTTP host:port (the UI's origin) and gRPC host:port. */
  http: string;
  grpc: string;
  /** GET a JSON path of the master's HTTP API. */
  api<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startUiCluster(agents = 2, resources = 'cpus:4;mem:4096;disk:4096;ports:[31000-31099]'): Promise<UiCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-webui-'));
  const handles: AgentHandle[] = [];
  let master: MasterHandle | undefined;
  const stop = async (): Promise<void> => {
    await Promise.allSettled(handles.map((a) => a.stop()));
    try {
      await master?.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    // A real logger at info (into a sink, not the test's output), so the master keeps a log for the UI to show.
    const logger = createLogger('master', { level: 'info', destination: new Writable({ write: (_chunk, _enc, done) => done() }) });
    master = await startMaster({ port: 0, httpPort: 0, workDir: join(dir, 'master'), logger, allocationDelayMs: 1 });
    for (let i = 0; i < agents; i++) {
      const agent = await startAgent({
        master: master.grpcAddress,
        workDir: join(dir, `agent-${i + 1}`),
        port: 0,
        hostname: `agent-${i + 1}`,
        resources,
        attributes: `rack:r${i + 1};gen:${i + 3}`,
        containerizers: ['posix'],
        logger: silentLogger(),
      });
      handles.push(agent);
      await agent.registered;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const http = master.httpAddress;
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://${http}${path}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`http://${http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { master, agents: handles, http, grpc: master.grpcAddress, api, post, stop };
}

/** Launches `count` tasks running `command` (sh -c) from the framework's next offers; resolves with their ids. */
export async function launch(fw: TestFramework, idPrefix: string, command: string, count = 1, resources = 'cpus:0.5;mem:32'): Promise<string[]> {
  const ids: string[] = [];
  await waitFor(`${count} task(s) ${idPrefix} launched`, async () => {
    const offers = fw.takeOffers();
    if (offers.length === 0) return false;
    const plan = planLaunches(offers, [{ idPrefix: `${idPrefix}-${ids.length}`, count: count - ids.length, resources, command: { value: command, shell: true, arguments: [], uris: [], user: '' } }]);
    const used = new Set<string>();
    for (const l of plan.launches) {
      await fw.client.launch(l.offerIds, l.tasks, { refuseSeconds: 0 });
      l.offerIds.forEach((id) => used.add(id));
      ids.push(...l.tasks.map((t) => t.taskId));
    }
    const rest = offers.map((o) => o.id).filter((id) => !used.has(id));
    if (rest.length) await fw.client.decline(rest, { refuseSeconds: 0 });
    return ids.length >= count;
  });
  return ids;
}

export interface Browsing {
  browser: Browser;
  page: Page;
  /** Errors the page threw or logged (a test asserts there are none). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browsing> {
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) pageErrors.push(msg.text());
    });
    return { browser, page, pageErrors, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The text of the element with data-testid `id`, once it exists. */
export async function testIdText(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-testid="${id}"]`).first().textContent({ timeout: 20_000 })) ?? '';
}

/** Waits until `read` (run in the test) returns what `expected` accepts, polling the page. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  let last: T | undefined;
  await waitFor(
    what,
    async () => {
      last = await read();
      return ok(last);
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
  return last as T;
}
