// PosixContainerizer on its own: real processes, real process groups, real prlimit.

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { silentLogger } from '@tessera/common';

import { ContainerLaunchError, PosixContainerizer, type ContainerSpec } from '../src/index.js';
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

test.run();
