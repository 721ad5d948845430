// End to end: the launch-n example against a real in-process master and two
// real agents (POSIX processes in sandboxes), on loopback with ephemeral ports.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { silentLogger } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startAgent, type AgentHandle } from '../../agent/src/index.js';
import { startMaster, type MasterHandle } from '../../master/src/index.js';
import { launchN } from '../examples/launch-n.js';
import { waitFor } from './fakes/wait.js';

let dir = '';
let master: MasterHandle;
const agents: AgentHandle[] = [];

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-sdk-e2e-'));
  master = await startMaster({ port: 0, httpPort: 0, workDir: join(dir, 'master'), logger: silentLogger() });
  for (const name of ['a1', 'a2']) {
    agents.push(
      await startAgent({
        master: master.grpcAddress,
        workDir: join(dir, name),
        port: 0,
        hostname: name,
        resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]',
        logger: silentLogger(),
      }),
    );
  }
  await Promise.all(agents.map((a) => a.registered));
});

test.after(async () => {
  for (const agent of agents) await agent.stop();
  await master.stop();
  await rm(dir, { recursive: true, force: true });
});

test('launch-n runs 10 tasks to FINISHED on two agents, then tears down', async () => {
  const lines: string[] = [];
  const code = await launchN(
    {
      master: master.grpcAddress,
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
  for (let i = 0; i < 10; i++) assert.ok(lines.some((l) => l.startsWith(`hello-${i} FINISHED`)), `hello-${i} FINISHED in:\n${lines.join('\n')}`);
  assert.match(lines[lines.length - 1]!, /^10 tasks: 10 finished, 0 did not, 0 never ended/);

  // The task saw its own id: its sandbox stdout says so.
  const stdout = await findSandboxFile(dir, 'hello-0', 'stdout');
  assert.ok(stdout, 'the sandbox of hello-0 has a stdout');
  assert.match(await readFile(stdout, 'utf8'), 'hello from hello-0');
  // Torn down: the framework is gone from the master's active list.
  await waitFor('the framework to be removed', () => master.state().frameworks.every((f) => f.name !== 'hello'));
});

test('the example as a program: --tasks 3 exits 0', async () => {
  const script = fileURLToPath(new URL('../examples/launch-n.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--master', master.grpcAddress, '--tasks', '3', '--name', 'cli', '--timeout', '25'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_LOG_LEVEL: 'error' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.is(code, 0, out);
  assert.match(out, 'cli-2 FINISHED');
  assert.match(out, '3 tasks: 3 finished');
});

/** <dir>/<agent>/agents/<id>/frameworks/<fw>/executors/<executor>/runs/<container>/<file>, found by walking. */
async function findSandboxFile(root: string, executorId: string, file: string): Promise<string | undefined> {
  for (const entry of await readdir(root, { recursive: true })) {
    const parts = entry.split(sep);
    const at = parts.lastIndexOf('executors');
    if (at >= 0 && parts[at + 1] === executorId && parts[at + 2] === 'runs' && parts[at + 4] === file) return join(root, entry);
  }
  return undefined;
}

test.run();
