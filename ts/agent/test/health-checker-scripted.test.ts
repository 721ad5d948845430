// Unit test of HealthChecker's decisions with a scripted probe (a fake: it
// returns the results listed, instantly) and a hand-moved clock for the grace
// period. The real probes are exercised in health-command and health-network.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { silentLogger } from '@tessera/common';

import { HealthChecker } from '../src/health/checker.js';
import type { HealthCheckPlan } from '../src/health/definition.js';
import { waitFor } from './helpers.js';

interface Heard {
  changes: boolean[];
  kills: number[];
}

/** Runs a checker over scripted results (true = pass); the clock advances `stepMs` per probe. */
async function run(results: boolean[], plan: Partial<HealthCheckPlan>, stepMs = 100): Promise<Heard & { probes: number }> {
  const heard: Heard = { changes: [], kills: [] };
  let clock = 0;
  let probes = 0;
  const full: HealthCheckPlan = {
    probe: { type: 'tcp', port: 1 },
    delayMs: 0,
    intervalMs: 1,
    timeoutMs: 1_000,
    consecutiveFailures: 3,
    gracePeriodMs: 0,
    ...plan,
  };
  const checker = new HealthChecker(
    full,
    async () => {
      clock += stepMs;
      const healthy = results[probes++] ?? true;
      return { healthy, detail: healthy ? 'ok' : 'down' };
    },
    { healthChanged: (healthy) => heard.changes.push(healthy), failedTooOften: (failures) => heard.kills.push(failures) },
    silentLogger(),
    () => clock,
  ).start();
  await waitFor('the script to run out, or a kill', () => probes >= results.length || heard.kills.length > 0);
  checker.stop();
  return { ...heard, probes };
}

test('only changes are heard: pass, pass, fail, pass → [true, false, true]', async () => {
  const heard = await run([true, true, false, true, true], {});
  assert.equal(heard.changes, [true, false, true]);
  assert.equal(heard.kills, []);
});

test('3 consecutive failures kill; a success in between resets the count', async () => {
  const reset = await run([false, false, true, false, false, true], {});
  assert.equal(reset.kills, [], 'never 3 in a row');
  const killed = await run([true, false, false, false, true, true], {});
  assert.equal(killed.changes, [true, false]);
  assert.equal(killed.kills, [3]);
  assert.is(killed.probes, 4, 'no probe after the kill');
});

test('grace period: failures within it are not counted (clock: 100 ms per probe, grace 450 ms)', async () => {
  // probes at t = 100, 200, 300, 400 (in grace, ignored), 500, 600, 700 (counted: 3 → kill)
  const heard = await run([false, false, false, false, false, false, false, true], { gracePeriodMs: 450 });
  assert.equal(heard.changes, [false], 'the first heard result is the first failure after the grace period');
  assert.equal(heard.kills, [3]);
  assert.is(heard.probes, 7);
});

test('grace period: the first success ends it', async () => {
  // t = 100 fail (ignored), 200 pass, 300-500 fail ×3 → kill, though all within the 10 s grace
  const heard = await run([false, true, false, false, false], { gracePeriodMs: 10_000 });
  assert.equal(heard.changes, [true, false]);
  assert.equal(heard.kills, [3]);
});

test('consecutive_failures 1: the first counted failure kills', async () => {
  const heard = await run([false, true], { consecutiveFailures: 1 });
  assert.equal(heard.changes, [false]);
  assert.equal(heard.kills, [1]);
});

test.run();
