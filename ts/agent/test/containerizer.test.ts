// PosixContainerizer on its own: real processes, real process groups, real prlimit.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { silentLogger } from '@tessera/common';

import { ContainerLaunchError, PosixContainerizer, type ContainerSpec } from '../src/index.js';
import { PidCheckpoints } from '../src/containerizer/pid-checkpoints.js';
import { isRunning, tempDir, waitFor } from './helpers.js';

function spec(containerId: string, script: string): ContainerSpec {
  const sandbox = path.join(tempDir(), containerId);
  mkdirSync(sandbox);
  return { containerId, sandbox, command: { shell: true, value: script, arguments: [] }, env: { PATH: process.env.PATH ?? '/bin' }, resources: [] };
}

const alive = isRunning;

test('rlimits are applied through prlimit (core 0 by default, nofile as asked)', async () => {
  const containerizer = new PosixContainerizer({ logger: silentLogger(), rlimits: { nofile: 256 } });
  const s = spec('limits', 'ulimit -n; ulimit -c');
  const container = await containerizer.launch(s);
  assert.equal(await container.exited, { code: 0, signal: null });
  assert.is(readFileSync(path.join(s.sandbox, 'stdout'), 'utf8'), '256\n0\n');
});

test('kill takes the whole process group, including background children', async () => {
  const containerizer = new PosixContainerizer({ logger: silentLogger() });
  const s = spec('group', 'sleep 30 & echo $! > child.pid; wait');
  const container = await containerizer.launch(s);
  const childPid = await waitFor('child pid', () => {
    try {
      return Number(readFileSync(path.join(s.sandbox, 'child.pid'), 'utf8')) || undefined;
    } catch {
      return undefined;
    }
  });
  assert.ok(alive(childPid));
  await containerizer.kill('group', 5_000);
  assert.is((await container.exited).signal, 'SIGTERM');
  await waitFor('background child gone', () => !alive(childPid), 5_000);
  assert.equal(containerizer.containers(), []);
});

test('a container ends with its leader: background children are killed', async () => {
  const containerizer = new PosixContainerizer({ logger: silentLogger() });
  const s = spec('leftovers', 'sleep 30 & echo $! > child.pid');
  const container = await containerizer.launch(s);
  assert.equal(await container.exited, { code: 0, signal: null });
  const childPid = Number(readFileSync(path.join(s.sandbox, 'child.pid'), 'utf8'));
  await waitFor('background child gone', () => !alive(childPid), 5_000);
});

test('launch errors are ContainerLaunchErrors naming the cause', async () => {
  const containerizer = new PosixContainerizer({ logger: silentLogger() });
  const s = spec('missing', '');
  s.command = { shell: false, value: 'definitely-not-a-program', arguments: [] };
  await containerizer.launch(s).then(
    () => assert.unreachable('launched'),
    (err: Error) => {
      assert.instance(err, ContainerLaunchError);
      assert.match(err.message, /definitely-not-a-program/);
    },
  );
  const u = spec('user', 'true');
  u.user = 'no-such-user-tessera';
  await containerizer.launch(u).then(
    () => assert.unreachable('launched'),
    (err: Error) => assert.match(err.message, /user 'no-such-user-tessera' does not exist/),
  );
});

test('recover: what an earlier run left is killed by its checkpointed pid, except after a reboot (the pid names another process then)', async () => {
  const checkpointDir = tempDir();
  const first = new PosixContainerizer({ logger: silentLogger(), checkpointDir });
  const specs = [spec('after-reboot', 'exec sleep 30'), spec('no-reboot', 'exec sleep 30')];
  const kept = await first.launch(specs[0]!);
  const killed = await first.launch(specs[1]!);
  try {
    // Stands for "a process that took the pid after the reboot": it must not be signalled.
    const rebooted = await new PosixContainerizer({ logger: silentLogger(), checkpointDir }).recover(new Set(['after-reboot']), { rebooted: true });
    assert.equal(rebooted, { destroyed: [], reattached: [] });
    assert.ok(alive(kept.pid));
    // The checkpoints are forgotten all the same; write no-reboot's again to see the ordinary case.
    new PidCheckpoints(checkpointDir).write('no-reboot', killed.pid);
    const ordinary = await new PosixContainerizer({ logger: silentLogger(), checkpointDir }).recover();
    assert.equal(ordinary, { destroyed: ['no-reboot'], reattached: [] });
    assert.is((await killed.exited).signal, 'SIGKILL');
  } finally {
    await first.kill('after-reboot', 0);
    await first.kill('no-reboot', 0);
    for (const dir of [checkpointDir, ...specs.map((s) => path.dirname(s.sandbox))]) rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
