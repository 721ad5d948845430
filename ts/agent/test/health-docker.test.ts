// Health checks of a task in a Docker container (the real engine and the
// offline test image of scripts/provision-docker.sh): a COMMAND check runs in
// the container (its image's files, not the host's), a TCP check on the
// container's loopback (network none), not the agent's. Skipped, saying why,
// where no dockerd or image is available.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { HealthCheck_Type, TaskState, silentLogger } from '@tessera/common';

import { startAgent } from '../src/index.js';

import { docker, dockerContainer, removeContainersOf, TEST_IMAGE } from './docker-helpers.js';
import { FRAMEWORK, waitFor } from './helpers.js';
import { commandCheck, healthUpdates, healthyTask, quickCheck, startRig, waitForEnd, waitForUpdateWhere, type HealthRig } from './health-helpers.js';

let rig: HealthRig | undefined;
let why = '';

test.before(async () => {
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (err) {
    why = `no dockerd or no ${TEST_IMAGE} (${(err as Error).message}): run bash scripts/provision-docker.sh as root`;
    return;
  }
  rig = await startRig({ containerizers: ['native', 'docker'] });
});
test.after(async () => {
  if (!rig) return;
  await rig.stop();
  await removeContainersOf(rig.workDir);
});

test("a COMMAND check runs inside the container: the image's files, not the host's", async () => {
  if (!rig) return console.log(`  (skipped: ${why})`);
  // The host has /work (this repository); the busybox image does not.
  // Its environment is the container's too: TESSERA_SANDBOX is the sandbox's mount, the working directory.
  const check = commandCheck('test -x /bin/busybox && test ! -e /work && test "$TESSERA_SANDBOX" = "$PWD"', { gracePeriodSeconds: 20 });
  const task = healthyTask('docker-cmd', 'exec sleep 30', check, { container: dockerContainer() });
  rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const healthy = await waitForUpdateWhere(rig.master, 'docker-cmd', 'healthy=true', (u) => u.status!.healthy === true, 20_000);
  assert.is(healthy.status!.state, TaskState.RUNNING);
  rig.master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'docker-cmd' } });
  await waitForEnd(rig.master, 'docker-cmd', 20_000);
});

test("a TCP check probes the container's network (none): a port open on the host is closed there", async () => {
  if (!rig) return console.log(`  (skipped: ${why})`);
  const hostPort = Number(rig.master.address.split(':')[1]); // the fake master listens on the host's loopback
  const check = quickCheck({ type: HealthCheck_Type.TCP, tcp: { port: hostPort }, consecutiveFailures: 2 });
  const task = healthyTask('docker-tcp', 'exec sleep 30', check, { container: dockerContainer() });
  rig.master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const unhealthy = await waitForUpdateWhere(rig.master, 'docker-tcp', 'healthy=false', (u) => u.status!.healthy === false, 20_000);
  assert.match(unhealthy.status!.message, /ECONNREFUSED/);
  const end = await waitForEnd(rig.master, 'docker-tcp', 20_000);
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
});

test('after an agent restart, a re-attached Docker task is checked again (and killed when it turns unhealthy)', async () => {
  if (!rig) return console.log(`  (skipped: ${why})`);
  const { master, workDir } = rig;
  const check = commandCheck('test -f alive', { gracePeriodSeconds: 20, consecutiveFailures: 2 });
  const task = healthyTask('docker-back', 'touch alive; exec sleep 60', check, { container: dockerContainer() });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  await waitForUpdateWhere(master, 'docker-back', 'healthy=true', (u) => u.status!.healthy === true, 20_000);
  await rig.agent.stop({ killTasks: false });
  const before = healthUpdates(master, 'docker-back').length;

  const again = await startAgent({ master: master.address, workDir, port: 0, logger: silentLogger(), containerizers: ['native', 'docker'] });
  rig.agent = again;
  await again.registered;
  await waitFor('a health update from the restarted agent', () => healthUpdates(master, 'docker-back').length > before, 20_000);
  assert.is(healthUpdates(master, 'docker-back').at(-1), true);

  // The restarted agent's checker acts on failures too (the sandbox is the container's working directory).
  const sandbox = again.state().frameworks.flatMap((f) => f.executors).find((e) => e.id === 'docker-back')!.sandbox;
  rmSync(path.join(sandbox, 'alive'));
  const end = await waitForEnd(master, 'docker-back', 20_000);
  assert.is(end.status!.state, TaskState.KILLED);
  assert.is(end.status!.healthy, false);
});

test.run();
