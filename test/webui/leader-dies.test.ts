// The page's own master dies: a page opened on the leading master, which is
// then SIGKILLed (real `tessera master --zk` processes on a real 3-server
// ZooKeeper ensemble, test/ha's harness), finds the new leader through the
// masters the dead one had listed in GET /health (`masters`, readable
// cross-origin) and moves there, showing the new leader's data — no reload by
// the operator.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from '../ha/harness.ts';
import { openBrowser, testIdText, until, type Browsing } from './harness.js';

let h: Harness | undefined;
let browsing: Browsing | undefined;

test.after.each(async () => {
  await browsing?.close().catch(() => undefined);
  browsing = undefined;
  await h?.stop();
  h = undefined;
});

test('the leader the page is on is SIGKILLed: the page moves to the new leader by itself', async () => {
  h = await Harness.start({ zk: true, zkSessionTimeoutSeconds: 4 });
  await Promise.all([h.master(), h.master()]);
  const leader = await h.leader();
  await h.agent({ hostname: 'ld-a1' });
  // /health lists every master in the election (read from ZooKeeper, cached for 2 s).
  const masters = await until(
    '/health to list both masters',
    async () => ((await (await fetch(`http://${leader.http}/health`)).json()) as { masters: string[] }).masters,
    (m) => m.length === 2,
    10_000,
  );
  assert.equal([...masters].sort(), h.masters.map((m) => m.http).sort());

  browsing = await openBrowser();
  const { page } = browsing;
  await page.goto(`http://${leader.http}/`);
  assert.is(await testIdText(page, 'leader'), leader.http, 'the dashboard names its master as the leader');
  // The UI learns the masters from /health once its first refresh succeeded.
  await page.waitForTimeout(1000);

  await leader.kill();
  const next = await h.leader(30_000);
  await until('the page on the new leader', async () => new URL(page.url()).host, (host) => host === next.http, 40_000);
  await until('the new leader shown', () => testIdText(page, 'leader'), (t) => t === next.http, 20_000);
  assert.is(new URL(page.url()).hash, '', 'the same view (the dashboard)');
});

test.run();
