// HTTP and TCP health checks through the agent (fake master, a test double;
// real processes and sockets), under the agent's default containerizer.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { HealthCheck_Type, TaskState, TaskStatus_Reason } from '@tessera/common';

import { FRAMEWORK } from './helpers.js';
import {
  closedPort,
  healthUpdates,
  healthyTask,
  httpServer,
  quickCheck,
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

test('HTTP check against a server the task runs: healthy; a path answering 500: unhealthy, then killed', async () => {
  const { master } = rig;
  const port = await closedPort();
  const good = quickCheck({ type: HealthCheck_Type.HTTP, http: { port, path: '/ok' }, gracePeriodSeconds: 10 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('http-ok', httpServer(port), good) } });
  const healthy = await waitForUpdateWhere(master, 'http-ok', 'healthy=true', (u) => u.status!.healthy === true);
  assert.is(healthy.status!.reason, TaskStatus_Reason.TASK_HEALTH_CHECK_STATUS_UPDATED);
  assert.match(healthy.status!.message, new RegExp(`GET http://127.0.0.1:${port}/ok: HTTP 200`));
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'http-ok' } });
  await waitForEnd(master, 'http-ok');

  const port2 = await closedPort();
  // The grace period (never ended: no success) covers the server's start, so the failures counted are 500s.
  const bad = quickCheck({ type: HealthCheck_Type.HTTP, http: { port: port2, path: '/broken' }, consecutiveFailures: 2, gracePeriodSeconds: 2 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('http-500', httpServer(port2), bad) } });
  const unhealthy = await waitForUpdateWhere(master, 'http-500', 'an HTTP 500', (u) => /HTTP 500/.test(u.status!.message));
  assert.is(unhealthy.status!.healthy, false);
  const end = await waitForEnd(master, 'http-500');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
});

test('TCP check against a closed port: unhealthy, then killed', async () => {
  const { master } = rig;
  const port = await closedPort();
  const check = quickCheck({ type: HealthCheck_Type.TCP, tcp: { port }, consecutiveFailures: 3 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('tcp-closed', 'exec sleep 30', check) } });
  const unhealthy = await waitForUpdateWhere(master, 'tcp-closed', 'healthy=false', (u) => u.status!.healthy === false);
  assert.is(unhealthy.status!.state, TaskState.RUNNING);
  assert.match(unhealthy.status!.message, /ECONNREFUSED/);
  const end = await waitForEnd(master, 'tcp-closed');
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
  assert.equal(healthUpdates(master, 'tcp-closed'), [false]);
});

test('TCP check against a port the task listens on: healthy', async () => {
  const { master } = rig;
  const port = await closedPort();
  const check = quickCheck({ type: HealthCheck_Type.TCP, tcp: { port }, gracePeriodSeconds: 10 });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('tcp-open', httpServer(port), check) } });
  const healthy = await waitForUpdateWhere(master, 'tcp-open', 'healthy=true', (u) => u.status!.healthy === true);
  assert.match(healthy.status!.message, /connected/);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'tcp-open' } });
  await waitForEnd(master, 'tcp-open');
});

test.run();
