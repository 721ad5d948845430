// End to end, real processes: the `tessera` command against a running
// cluster — run (state transitions, output, exit code), instances, listings
// as tables and JSON, kill, and usage errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { startCluster, TESSERA_BIN, waitFor, type Cluster } from './cluster.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster({ agents: 2, agentResources: 'cpus:2;mem:2048;disk:1024;ports:[31000-31099]' });
});

test.after(async () => {
  await cluster?.stop();
});

test('tessera run -- echo hello: STAGING → RUNNING → FINISHED, its output, exit 0', async () => {
  const r = await cluster.cli(['run', '--', 'echo', 'hello']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'hello');
  assert.match(r.stderr, /STAGING → (STARTING → )?RUNNING → FINISHED/);
});

test('tessera run exits with the task exit code and streams stderr', async () => {
  const r = await cluster.cli(['run', '--command', 'echo to-stdout; echo to-stderr >&2; exit 3']);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stdout, /to-stdout/);
  assert.match(r.stderr, /to-stderr/);
  assert.match(r.stderr, /FAILED/);
});

test('tessera run --instances 4 runs four tasks with prefixed output', async () => {
  const r = await cluster.cli(['run', '--instances', '4', '--env', 'GREETING=hi', '--command', 'echo "$GREETING from $TESSERA_TASK_ID"']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').filter(Boolean);
  assert.is(lines.length, 4, r.stdout);
  for (const line of lines) assert.match(line, /^\[(run-[a-z0-9]+-\d)\] hi from \1$/);
});

test('tessera tasks, agents and frameworks: tables and --json', async () => {
  const agents = await cluster.cli(['agents']);
  assert.is(agents.code, 0, agents.stderr);
  assert.match(agents.stdout, /^ID\s+HOSTNAME/);
  assert.match(agents.stdout, /agent-1/);
  assert.match(agents.stdout, /agent-2/);
  const json = await cluster.cli(['agents', '--json']);
  const list = JSON.parse(json.stdout) as Array<{ hostname: string; state: string }>;
  assert.equal(list.map((a) => a.hostname).sort(), ['agent-1', 'agent-2']);
  const all = await cluster.cli(['ps', '--all', '--json']);
  const tasks = JSON.parse(all.stdout) as Array<{ state: string }>;
  assert.ok(tasks.length >= 6, 'earlier runs are listed as completed tasks');
  assert.ok(tasks.some((t) => t.state === 'FAILED'));
  const fws = await cluster.cli(['frameworks', '--all']);
  assert.is(fws.code, 0, fws.stderr);
  assert.match(fws.stdout, /tessera run: /);
});

test('tessera kill ends a running task launched by tessera run', async () => {
  const child = spawn(process.execPath, [TESSERA_BIN, 'run', '--grace-period', '1', '--', 'sleep', '60'], {
    env: { ...process.env, TESSERA_MASTER: cluster.grpc, TESSERA_MASTER_HTTP: cluster.http },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const task = await waitFor('the sleep task RUNNING', async () => {
    const s = await cluster.state();
    return s.tasks.find((t: { name: string; state: string }) => t.name === 'sleep 60' && t.state === 'RUNNING');
  });
  const k = await cluster.cli(['kill', task.id]);
  assert.is(k.code, 0, k.stderr);
  const code = await exited;
  assert.is.not(code, 0);
  assert.match(stderr, /KILLED/);
});

test('usage errors exit 2 and say what to fix', async () => {
  const none = await cluster.cli(['run']);
  assert.is(none.code, 2);
  assert.match(none.stderr, /no command/);
  const bad = await cluster.cli(['run', '--cpus', 'lots', '--', 'true']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--cpus: 'lots' is not a number/);
  const unknown = await cluster.cli(['frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const help = await cluster.cli(['run', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /Usage: tessera run/);
  const killNothing = await cluster.cli(['kill', 'no-such-task']);
  assert.is(killNothing.code, 1);
  assert.match(killNothing.stderr, /no-such-task/);
});

test('no master: a clear error naming the address', async () => {
  const r = await cluster.cli(['agents', '--master-http', '127.0.0.1:1']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot reach the master's HTTP API at 127\.0\.0\.1:1/);
});

test.run();
