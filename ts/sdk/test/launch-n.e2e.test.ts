// End to end: the launch-n example against a real in-process master and two
// real agents (test/support/cluster.ts), in-process and as a program.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { launchN } from '../examples/launch-n.js';
import { waitFor } from './fakes/wait.js';
import { startCluster, type Cluster } from './support/cluster.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster(2);
});

test.after(async () => {
  await cluster.stop();
});

test('launch-n runs 10 tasks to FINISHED on two agents, then tears down', async () => {
  const lines: string[] = [];
  const code = await launchN(
    {
      master: cluster.master.grpcAddress,
      tasks: 10,
      command: 'echo hello from $TESSERA_TASK_ID',
      cpus: 0.1,
      mem: 32,
      name: 'hello',
      timeoutSeconds: 25,
    },
    (line) => lines.push(line),
  );
  assert.is(code, 0, lines.join('\n'));
  for (let i = 0; i < 10; i++) {
    assert.ok(lines.some((l) => l.startsWith(`hello-${i} FINISHED`)), `hello-${i} FINISHED in:\n${lines.join('\n')}`);
  }
  assert.match(lines[lines.length - 1]!, /^10 tasks: 10 finished, 0 did not, 0 never ended/);

  // The task saw its own id: its sandbox stdout says so.
  const stdout = await cluster.sandboxFile('hello-0', 'stdout');
  assert.ok(stdout, 'the sandbox of hello-0 has a stdout');
  assert.match(await readFile(stdout, 'utf8'), 'hello from hello-0');
  // Torn down: the framework is gone from the master's active list.
  await waitFor('the framework to be removed', () => cluster.master.state().frameworks.every((f) => f.name !== 'hello'));
});

test('the example as a program: --tasks 3 exits 0', async () => {
  const script = fileURLToPath(new URL('../examples/launch-n.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--master', cluster.master.grpcAddress, '--tasks', '3', '--name', 'cli', '--timeout', '25'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'error' } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.is(code, 0, out);
  assert.match(out, 'cli-2 FINISHED');
  assert.match(out, '3 tasks: 3 finished');
});

test.run();
