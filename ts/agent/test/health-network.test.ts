// HTTP and TCP health checks through the agent (fake master, a test double;
// real processes and sockets), and checks entering a task's own namespaces
// (made here with util-linux unshare, as root, on the real kernel).

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, HealthCheck_Type, TaskState, TaskStatus_Reason } from '@tessera/common';

import { FRAMEWORK } from './helpers.js';
import {
  closedPort,
  commandCheck,
  healthUpdates,
  healthyTask,
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

const isRoot = process.getuid?.() === 0;

/** A shell command running a tiny HTTP server on 127.0.0.1:port: /ok answers 200, anything else 500. */
function httpServer(port: number): string {
  const program = `require('http').createServer((q, s) => { s.statusCode = q.url === '/ok' ? 200 : 500; s.end('x'); }).listen(${port}, '127.0.0.1')`;
  return `exec '${process.execPath}' -e "${program}"`;
}

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
  const bad = quickCheck({ type: HealthCheck_Type.HTTP, http: { port: port2, path: '/broken' }, consecutiveFailures: 2 });
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

/** A task whose process (the container's pid) runs in new namespaces: unshare execs in place. */
function unsharedTask(taskId: string, flags: string[], script: string, check: ReturnType<typeof quickCheck>) {
  return healthyTask(taskId, '', check, {
    command: CommandInfo.create({ shell: false, value: 'unshare', arguments: ['unshare', ...flags, 'sh', '-c', script] }),
  });
}

test('a command check runs in the task\'s namespaces (its own UTS namespace: its hostname)', async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const { master } = rig;
  const check = commandCheck('test "$(hostname)" = health-ns-test', { gracePeriodSeconds: 10 });
  const task = unsharedTask('ns-uts', ['--uts'], 'hostname health-ns-test && exec sleep 30', check);
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const healthy = await waitForUpdateWhere(master, 'ns-uts', 'healthy=true', (u) => u.status!.healthy === true);
  assert.is(healthy.status!.state, TaskState.RUNNING);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'ns-uts' } });
  await waitForEnd(master, 'ns-uts');
});

test('an HTTP check reaches a server on the task\'s own loopback (its own network namespace)', async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const { master } = rig;
  const port = await closedPort();
  const check = quickCheck({ type: HealthCheck_Type.HTTP, http: { port, path: '/ok' }, gracePeriodSeconds: 10 });
  const task = unsharedTask('ns-net', ['--net'], `ip link set lo up && ${httpServer(port)}`, check);
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const healthy = await waitForUpdateWhere(master, 'ns-net', 'healthy=true', (u) => u.status!.healthy === true);
  assert.match(healthy.status!.message, /HTTP 200/);
  // The host's loopback has nothing on that port: the probe did go inside.
  const outside = await fetch(`http://127.0.0.1:${port}/ok`).then(
    () => 'answered',
    () => 'refused',
  );
  assert.is(outside, 'refused');
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'ns-net' } });
  await waitForEnd(master, 'ns-net');
});

test.run();
