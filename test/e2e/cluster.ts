// A real Tessera cluster for end-to-end tests: a master and agents started as
// separate processes through the `tessera` command (ts/cli/bin/tessera.js,
// the built CLI), on loopback with ephemeral ports and short ping intervals,
// in a fresh temporary directory. Processes are really killed (SIGKILL) when
// a test says so; stop() tears everything down and removes the directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TESSERA_BIN = join(root, 'ts', 'cli', 'bin', 'tessera.js');

export interface ClusterOptions {
  agents?: number;
  /** Each agent's --resources. */
  agentResources?: string;
  pingIntervalSeconds?: number;
  maxPingTimeouts?: number;
  masterArgs?: string[];
}

export interface AgentProcess {
  name: string;
  process: ChildProcess;
  workDir: string;
}

export interface Cluster {
  dir: string;
  grpc: string;
  http: string;
  master: ChildProcess;
  agents: AgentProcess[];
  state(): Promise<any>;
  /** Runs `tessera ARGS` against this cluster; resolves with its exit code and output. */
  cli(args: string[], options?: { timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
  logs(): Promise<string>;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no line matching ${pattern} within ${timeoutMs} ms; output:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(m);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before ready; output:\n${seen}`));
    });
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-e2e-'));
  const logPath = join(dir, 'cluster.log');
  const log = createWriteStream(logPath);
  const env = { ...process.env, TESSERA_LOG_LEVEL: process.env.TESSERA_LOG_LEVEL ?? 'info' };
  const children: ChildProcess[] = [];
  const launch = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, [TESSERA_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    children.push(child);
    return child;
  };

  const ping = String(options.pingIntervalSeconds ?? 0.2);
  const master = launch([
    'master',
    '--work-dir', join(dir, 'master'),
    '--port', '0',
    '--http-port', '0',
    '--agent-ping-interval', ping,
    '--max-agent-ping-timeouts', String(options.maxPingTimeouts ?? 5),
    ...(options.masterArgs ?? []),
  ]);
  const m = await waitForLine(master, /gRPC (\S+), HTTP http:\/\/([^/\s]+)\/state/, 'master');
  const grpc = m[1]!;
  const http = m[2]!;

  const state = async (): Promise<any> => {
    const res = await fetch(`http://${http}/state`);
    if (!res.ok) throw new Error(`/state: HTTP ${res.status}`);
    return res.json();
  };

  const agents: AgentProcess[] = [];
  for (let i = 0; i < (options.agents ?? 3); i++) {
    const name = `agent-${i + 1}`;
    const workDir = join(dir, name);
    const child = launch([
      'agent',
      '--master', grpc,
      '--work-dir', workDir,
      '--port', '0',
      '--hostname', name,
      '--resources', options.agentResources ?? 'cpus:4;mem:4096;disk:4096;ports:[31000-31999]',
    ]);
    agents.push({ name, process: child, workDir });
  }
  await waitFor(`${agents.length} agents registered`, async () => {
    const s = await state();
    return s.agents.filter((a: { state: string }) => a.state === 'active').length === agents.length;
  });

  const cli = (args: string[], opts: { timeoutMs?: number } = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [TESSERA_BIN, ...args], {
        env: { ...process.env, TESSERA_MASTER: grpc, TESSERA_MASTER_HTTP: http },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`tessera ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 30_000} ms; stderr:\n${stderr}`));
      }, opts.timeoutMs ?? 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => {
              c.kill('SIGKILL');
            }, 5_000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    log.end();
    if (!process.env.TESSERA_KEEP_E2E) await rm(dir, { recursive: true, force: true });
  };

  return { dir, grpc, http, master, agents, state, cli, stop, logs: () => readFile(logPath, 'utf8').catch(() => '') };
}
