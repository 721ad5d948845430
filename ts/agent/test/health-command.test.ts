// COMMAND health checks through the agent (fake master, a test double; real
// processes): health changes become RUNNING updates with `healthy`, a check
// that keeps failing kills the task, and the grace period forgives early
// failures.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, TaskStatus_Reason } from '@tessera/common';

import { FRAMEWORK, isRunning, isTerminalState, shellTask, waitFor } from './helpers.js';
import {
  commandCheck,
  distinctUpdates,
  healthUpdates,
  healthyTask,
  processesWith,
  startRig,
  waitForEnd,
  waitForUpdateWhere,
  type HealthRig,
} from './health-helpers.js';

let rig: HealthRig;

test.before(async () => {
  rig = await startRig();
});
test.after(async () => {
  await rig.stop();
});

const sandboxOf = (taskId: string) =>
  rig.agent.state().frameworks.flatMap((f) => [...f.executors, ...f.completedExecutors]).find((e) => e.id === taskId)!.sandbox;

test('a passing command check: one RUNNING update with healthy=true and the health reason', async () => {
  const { master } = rig;
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('pass-1', 'exec sleep 30', commandCheck('true')) } });
  const healthy = await waitForUpdateWhere(master, 'pass-1', 'healthy=true', (u) => u.status!.healthy === true);
  assert.is(healthy.status!.state, TaskState.RUNNING);
  assert.is(healthy.status!.reason, TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED);
  assert.match(healthy.status!.message, /health check passed/);
  // Interval 0.1 s: several more probes pass, none of which is news.
  await waitFor('a few more probes', () => Date.now() - healthy.status!.timestamp * 1000 > 600 || undefined);
  assert.equal(healthUpdates(master, 'pass-1'), [true], 'only changes of health are reported');
  const states = distinctUpdates(master, 'pass-1').map((u) => u.status!.state);
  assert.equal(states, [TaskState.STARTING, TaskState.RUNNING, TaskState.RUNNING]);

  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'pass-1' } });
  const end = await waitForEnd(master, 'pass-1');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.reason, TaskStatus_Reason.KILLED_BY_FRAMEWORK, 'a framework kill stays a framework kill');
  assert.is(end.status!.healthy, undefined);
});

test('the check runs in the sandbox with the task environment and its own variables', async () => {
  const { master } = rig;
  const check = commandCheck('test "$PWD" = "$TESSERA_SANDBOX" && test "$TESSERA_TASK_ID" = env-1 && test "$EXTRA" = yes');
  check.command!.environment = { variables: [{ name: 'EXTRA', value: 'yes' }] };
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('env-1', 'exec sleep 30', check) } });
  const first = await waitForUpdateWhere(master, 'env-1', 'a health result', (u) => u.status!.healthy !== undefined);
  assert.is(first.status!.healthy, true, first.status!.message);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'env-1' } });
  await waitForEnd(master, 'env-1');
});

test('a check that starts failing: healthy=false, then after 3 failures the task is killed and ends KILLED, unhealthy', async () => {
  const { master } = rig;
  // The grace period covers the moments before the task has made its file (a success ends it).
  const check = commandCheck('test -f alive', { consecutiveFailures: 3, gracePeriodSeconds: 10 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('fail-1', 'touch alive; exec sleep 30', check) } });
  await waitForUpdateWhere(master, 'fail-1', 'healthy=true', (u) => u.status!.healthy === true);
  const pid = Number(/pid (\d+)/.exec(distinctUpdates(master, 'fail-1')[1]!.status!.message)![1]);
  rmSync(path.join(sandboxOf('fail-1'), 'alive'));

  const unhealthy = await waitForUpdateWhere(master, 'fail-1', 'healthy=false', (u) => u.status!.healthy === false);
  assert.is(unhealthy.status!.state, TaskState.RUNNING);
  assert.is(unhealthy.status!.reason, TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED);
  assert.match(unhealthy.status!.message, /health check failed: command exited with status 1/);

  const end = await waitForEnd(master, 'fail-1');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
  assert.is(end.status!.reason, TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED);
  assert.match(end.status!.message, /killed after 3 consecutive failed health checks/);
  assert.is(end.status!.exitCode, 128 + 15, 'sleep died of the SIGTERM of the kill policy');
  assert.equal(healthUpdates(master, 'fail-1'), [true, false], 'one update per change, not one per failure');
  assert.not.ok(isRunning(pid));
});

test('a check that hangs past its timeout counts as a failure (and leaves nothing running)', async () => {
  const { master } = rig;
  // Each probe is a `sleep 30.101`; the test finds them by that argument on the host.
  const check = commandCheck('exec sleep 30.101', { timeoutSeconds: 0.2, consecutiveFailures: 2 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('hang-1', 'exec sleep 30', check) } });
  const unhealthy = await waitForUpdateWhere(master, 'hang-1', 'healthy=false', (u) => u.status!.healthy === false);
  assert.match(unhealthy.status!.message, /timed out after 0.2 s/);
  const end = await waitForEnd(master, 'hang-1');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
  await waitFor('no probe left running', () => processesWith('30.101').length === 0, 2_000);
});

test('a framework kill during a hanging probe: the probe is killed with the task', async () => {
  const { master } = rig;
  const check = commandCheck('exec sleep 30.202', { timeoutSeconds: 60 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('abort-1', 'exec sleep 30', check) } });
  const [probePid] = await waitFor('the probe to start', () => processesWith('30.202').length > 0 && processesWith('30.202'));
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'abort-1' } });
  const end = await waitForEnd(master, 'abort-1');
  assert.is(end.status!.state, TaskState.KILLED);
  await waitFor('the probe to be killed', () => !isRunning(probePid!), 2_000);
  assert.equal(healthUpdates(master, 'abort-1'), [], 'no result was ever reported');
});

test('failures within the grace period are ignored; the first success ends it', async () => {
  const { master } = rig;
  // The check fails for ~0.8 s (8 probes, well past consecutive_failures = 2), inside a 10 s grace period.
  const check = commandCheck('test -f ready', { consecutiveFailures: 2, gracePeriodSeconds: 10 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('grace-1', 'sleep 0.8; touch ready; exec sleep 30', check) } });
  const healthy = await waitForUpdateWhere(master, 'grace-1', 'healthy=true', (u) => u.status!.healthy === true);
  assert.is(healthy.status!.state, TaskState.RUNNING);
  assert.equal(healthUpdates(master, 'grace-1'), [true], 'no healthy=false from failures in the grace period');

  // Still inside the 10 s, but the success ended the grace period: failures now count.
  rmSync(path.join(sandboxOf('grace-1'), 'ready'));
  const end = await waitForEnd(master, 'grace-1');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.equal(healthUpdates(master, 'grace-1'), [true, false]);
});

test('a check failing from the start, past a short grace period: unhealthy, then killed', async () => {
  const { master } = rig;
  const check = commandCheck('exit 3', { consecutiveFailures: 2, gracePeriodSeconds: 0.5, delaySeconds: 0.1 });
  const launched = Date.now();
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('late-1', 'exec sleep 30', check) } });
  const unhealthy = await waitForUpdateWhere(master, 'late-1', 'healthy=false', (u) => u.status!.healthy === false);
  assert.ok(unhealthy.status!.timestamp * 1000 - launched >= 500, 'not before the grace period is over');
  assert.match(unhealthy.status!.message, /exited with status 3/);
  const end = await waitForEnd(master, 'late-1');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
});

test('a task of a group killed by its health check ends KILLED, and its group with it', async () => {
  const { master } = rig;
  master.send({
    runTaskGroup: {
      frameworkInfo: FRAMEWORK,
      executor: { executorId: 'health-pod', type: 1 } as never,
      taskGroup: {
        tasks: [
          healthyTask('pod-sick', 'exec sleep 30', commandCheck('false', { consecutiveFailures: 2 })),
          shellTask('pod-fine', 'exec sleep 30'),
        ],
      },
    },
  });
  const sick = await waitForEnd(master, 'pod-sick');
  assert.is(sick.status!.state, TaskState.KILLED);
  assert.is(sick.status!.healthy, false);
  assert.match(sick.status!.message, /killed after 2 consecutive failed health checks/);
  const fine = await waitForEnd(master, 'pod-fine');
  assert.is(fine.status!.state, TaskState.KILLED);
  assert.is(fine.status!.healthy, undefined);
});

test('the check runs as the task\'s user (default containerizer)', async () => {
  if (process.getuid?.() !== 0) return console.log('  (skipped: needs root to switch users)');
  const { master } = rig;
  const task = healthyTask('user-1', 'exec sleep 30', commandCheck('test "$(id -u)" = 65534', { gracePeriodSeconds: 10 }));
  task.command!.user = 'nobody';
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const first = await waitForUpdateWhere(master, 'user-1', 'a health result', (u) => u.status!.healthy !== undefined || isTerminalState(u.status!.state));
  assert.is(first.status!.healthy, true, first.status!.message);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'user-1' } });
  await waitForEnd(master, 'user-1');
});

test.run();
