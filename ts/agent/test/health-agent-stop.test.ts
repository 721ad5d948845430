// An agent stopped with { killTasks: false } leaves its tasks running, and
// stops checking them: no probe runs after stop (POSIX containerizer, so the
// orphan is one process group the test then kills).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { FRAMEWORK, isRunning, waitFor } from './helpers.js';
import { commandCheck, healthyTask, startRig, waitForUpdateWhere } from './health-helpers.js';

test('stop({ killTasks: false }): the task keeps running, its health checks stop', async () => {
  const rig = await startRig({ containerizers: ['posix'] });
  let leader = 0;
  try {
    rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('orphan-1', 'exec sleep 30', commandCheck('echo x >> probes')) } });
    const running = await waitForUpdateWhere(rig.master, 'orphan-1', 'RUNNING', (u) => /pid \d+/.test(u.status!.message));
    leader = Number(/pid (\d+)/.exec(running.status!.message)![1]);
    await waitForUpdateWhere(rig.master, 'orphan-1', 'healthy=true', (u) => u.status!.healthy === true);
    const sandbox = rig.agent.state().frameworks[0]!.executors.find((e) => e.id === 'orphan-1')!.sandbox;
    const probes = () => readFileSync(path.join(sandbox, 'probes'), 'utf8').length;

    await rig.stop({ killTasks: false });
    const atStop = probes();
    // Interval 0.1 s: ten intervals without a probe (one under way at stop may still land).
    const until = Date.now() + 1_000;
    await waitFor('ten intervals', () => Date.now() > until || undefined, 2_000);
    assert.ok(probes() <= atStop + 2, `probes after stop: ${probes() - atStop}`);
    assert.ok(isRunning(leader), 'the task itself still runs');
  } finally {
    if (leader) {
      try {
        process.kill(-leader, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rig.stop();
  }
});

test.run();
