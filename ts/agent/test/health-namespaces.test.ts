// Checks run in the task's namespaces (as root, on the real kernel). With the
// POSIX containerizer the task makes its own with util-linux unshare, which
// execs in place (so Container.pid is in them) or forks an init into a new
// PID namespace (as the native containerizer does); with the native
// containerizer, the container's own namespaces.

import { readlinkSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, HealthCheck_Type, TaskState } from '@tessera/common';

import { FRAMEWORK, isTerminalState, waitFor } from './helpers.js';
import {
  closedPort,
  commandCheck,
  healthyTask,
  httpServer,
  quickCheck,
  startRig,
  waitForEnd,
  waitForUpdateWhere,
  type HealthRig,
} from './health-helpers.js';

const isRoot = process.getuid?.() === 0;
let rig: HealthRig;

test.before(async () => {
  rig = await startRig({ containerizers: ['posix'] });
});
test.after(async () => {
  await rig?.stop();
});

/** A task whose leader runs `unshare flags sh -c script` (argv, so unshare is the container's pid). */
function unsharedTask(taskId: string, flags: string[], script: string, check: ReturnType<typeof quickCheck>) {
  return healthyTask(taskId, '', check, {
    command: CommandInfo.create({ shell: false, value: 'unshare', arguments: ['unshare', ...flags, 'sh', '-c', script] }),
  });
}

/** In a container's PID namespace (with its own /proc) only a handful of processes exist; on the host, many more. */
const IN_OWN_PID_NAMESPACE = 'test "$(ls /proc | grep -c "^[0-9]")" -lt 10';

async function expectHealthy(taskId: string): Promise<void> {
  const healthy = await waitForUpdateWhere(rig.master, taskId, 'healthy=true', (u) => u.status!.healthy === true);
  assert.is(healthy.status!.state, TaskState.RUNNING);
  rig.master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId } });
  await waitForEnd(rig.master, taskId);
}

test("a command check runs in the task's UTS namespace (sees its hostname)", async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const check = commandCheck('test "$(hostname)" = health-ns-test', { gracePeriodSeconds: 10 });
  rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task: unsharedTask('ns-uts', ['--uts'], 'hostname health-ns-test && exec sleep 30', check) } });
  await expectHealthy('ns-uts');
});

test('a leader that forked its init into a new PID namespace: the check runs beside the init', async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const check = commandCheck(`test "$(hostname)" = health-pidns && ${IN_OWN_PID_NAMESPACE}`, { gracePeriodSeconds: 10 });
  const flags = ['--fork', '--kill-child', '--pid', '--mount-proc', '--mount', '--uts'];
  rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task: unsharedTask('ns-pid', flags, 'hostname health-pidns && exec sleep 30', check) } });
  await expectHealthy('ns-pid');
});

test("an HTTP check reaches a server on the task's own loopback (its own network namespace)", async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const port = await closedPort();
  const check = quickCheck({ type: HealthCheck_Type.HTTP, http: { port, path: '/ok' }, gracePeriodSeconds: 10 });
  rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task: unsharedTask('ns-net', ['--net'], `ip link set lo up && ${httpServer(port)}`, check) } });
  const healthy = await waitForUpdateWhere(rig.master, 'ns-net', 'healthy=true', (u) => u.status!.healthy === true);
  assert.match(healthy.status!.message, /HTTP 200/);
  // The host's loopback has nothing on that port: the probe did go inside.
  const outside = await fetch(`http://127.0.0.1:${port}/ok`).then(
    () => 'answered',
    () => 'refused',
  );
  assert.is(outside, 'refused');
  rig.master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'ns-net' } });
  await waitForEnd(rig.master, 'ns-net');
});

test("under the native containerizer: a command check runs in the container's PID namespace", async () => {
  if (!isRoot) return console.log('  (skipped: needs root for namespaces)');
  const native = await startRig({ containerizers: ['native'] });
  try {
    native.master.send({
      runTask: { frameworkInfo: FRAMEWORK, task: healthyTask('native-1', 'exec sleep 30', commandCheck(IN_OWN_PID_NAMESPACE, { gracePeriodSeconds: 10 })) },
    });
    const running = await waitForUpdateWhere(native.master, 'native-1', 'RUNNING', (u) => u.status!.state === TaskState.RUNNING);
    const leader = Number(/pid (\d+)/.exec(running.status!.message)?.[1]);
    // The leader execs its way to unshare (cgroups joined first); then it makes the PID namespace.
    const isolated = await waitFor('a new PID namespace', () => namespaceOfChildren(leader) !== namespaceOfChildren(process.pid), 3_000).catch(() => false);
    if (!isolated) {
      console.log('  (skipped: the native containerizer fell back to posix here)');
    } else {
      const healthy = await waitForUpdateWhere(native.master, 'native-1', 'healthy=true', (u) => u.status!.healthy === true);
      assert.is(healthy.status!.state, TaskState.RUNNING);
    }
    native.master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'native-1' } });
    await waitForEnd(native.master, 'native-1');
  } finally {
    await native.stop();
  }
});

function namespaceOfChildren(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid_for_children`);
  } catch {
    return undefined;
  }
}

test('the check runs as the task\'s user (POSIX containerizer)', async () => {
  if (process.getuid?.() !== 0) return console.log('  (skipped: needs root to switch users)');
  const { master } = rig;
  const task = healthyTask('user-posix', 'exec sleep 30', commandCheck('test "$(id -u)" = 65534', { gracePeriodSeconds: 10 }));
  task.command!.user = 'nobody';
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const first = await waitForUpdateWhere(master, 'user-posix', 'a health result', (u) => u.status!.healthy !== undefined || isTerminalState(u.status!.state));
  assert.is(first.status!.healthy, true, first.status!.message);
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'user-posix' } });
  await waitForEnd(master, 'user-posix');
});

test.run();
