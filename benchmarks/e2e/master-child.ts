// Starts master-process.ts as a child process and keeps hold of it: its
// addresses, its pid (for /proc), and a stop that always ends it — SIGTERM,
// then SIGKILL if it lingers.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { MasterSettings } from './master-settings.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(import.meta.dirname, 'master-process.ts');

export interface MasterChild {
  pid: number;
  id: string;
  grpcAddress: string;
  httpAddress: string;
  /** Where the master's stderr (its warn/error log) goes. */
  logFile: string;
  /** Ends the process; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Kills it at once, synchronously (for process 'exit' handlers). */
  kill(): void;
  exited: boolean;
}

export interface SpawnOptions {
  settings: MasterSettings;
  /** Write a V8 CPU profile of the master into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
  startTimeoutMs?: number;
}

export async function spawnMaster(options: SpawnOptions): Promise<MasterChild> {
  const logFile = path.join(options.settings.workDir, 'master.stderr.log');
  const nodeArgs = ['--import', 'tsx'];
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, SCRIPT, JSON.stringify(options.settings)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const log = createWriteStream(logFile);
  child.stderr!.pipe(log);

  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      handle.exited = true;
      resolve();
    });
  });

  const kill = (): void => {
    if (!exited) child.kill('SIGKILL');
  };

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(kill, 10_000);
    await exit;
    clearTimeout(timer);
  };

  const handle: MasterChild = { pid: child.pid ?? -1, id: '', grpcAddress: '', httpAddress: '', logFile, stop, kill, exited: false };

  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`master did not report its addresses within ${options.startTimeoutMs ?? 30_000} ms`)), options.startTimeoutMs ?? 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`master exited before listening (exit code ${child.exitCode}); its log:\n${tail(logFile)}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  const hello = JSON.parse(first) as { pid: number; id: string; grpcAddress: string; httpAddress: string };
  Object.assign(handle, { id: hello.id, grpcAddress: hello.grpcAddress, httpAddress: hello.httpAddress });
  return handle;
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
