// One probe of a task's health: a command's exit status, an HTTP GET's
// status code (2xx/3xx healthy), or whether a TCP port accepts a connection.
// Each runs in the task's namespaces when it has its own (namespaces.ts), and
// is bounded by the check's timeout.

import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';

import type { Probe } from './definition.js';
import { containerProcess, foreignNamespaceFlags, nsenterPrefix } from './namespaces.js';
import { runProgram, type ProgramResult } from './run-program.js';

export interface ProbeResult {
  healthy: boolean;
  /** What happened, for logs and the status message. */
  detail: string;
}

export interface ProbeTarget {
  /** The container's leader (Container.pid): its namespaces, or its init's (containerProcess), are entered. */
  pid: number;
  sandbox: string;
  /** The task's user, when it is not the agent's. */
  uid?: number;
  gid?: number;
}

/** Probes once; `signal` aborts it (the checker stopped), killing what it started. */
export async function runProbe(probe: Probe, target: ProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const pid = await containerProcess(target.pid);
  switch (probe.type) {
    case 'command':
      return commandProbe(probe, { ...target, pid }, timeoutMs, signal);
    case 'http':
    case 'tcp': {
      const flags = await foreignNamespaceFlags(pid, ['net']);
      if (flags.length > 0) return networkProbeInNamespace(probe, pid, flags, timeoutMs, signal);
      return probe.type === 'http' ? httpProbe(probe.port, probe.path, timeoutMs, signal) : tcpProbe(probe.port, timeoutMs, signal);
    }
  }
}

async function commandProbe(
  probe: Extract<Probe, { type: 'command' }>,
  target: ProbeTarget,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProbeResult> {
  const argv = probe.shell ? ['sh', '-c', probe.value] : [probe.value, ...probe.arguments.slice(1)];
  const user = target.uid !== undefined && target.gid !== undefined ? { uid: target.uid, gid: target.gid } : undefined;
  const prefix = nsenterPrefix(target.pid, await foreignNamespaceFlags(target.pid), user);
  // Inside a container the task's environment is the one it sees there (Docker
  // points TESSERA_SANDBOX at its mount): read it from the process entered.
  const taskEnv = (prefix.length > 0 ? await processEnvironment(target.pid) : undefined) ?? probe.taskEnv;
  // Entering namespaces takes root: nsenter switches user inside; otherwise the spawn does.
  const run = { cwd: target.sandbox, env: { ...taskEnv, ...probe.ownEnv }, timeoutMs, signal };
  const result = await runProgram([...prefix, ...argv], prefix.length > 0 ? run : { ...run, uid: target.uid, gid: target.gid });
  return programVerdict('command', result, timeoutMs);
}

/** A process's environment (/proc/<pid>/environ), or undefined when it cannot be read. */
async function processEnvironment(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const env: Record<string, string> = {};
    for (const entry of (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return Object.keys(env).length > 0 ? env : undefined;
  } catch {
    return undefined;
  }
}

function programVerdict(what: string, result: ProgramResult, timeoutMs: number): ProbeResult {
  if (result.timedOut) return { healthy: false, detail: `${what} timed out after ${timeoutMs / 1000} s` };
  if (result.error) return { healthy: false, detail: `${what} could not start: ${result.error}` };
  if (result.code === 0) return { healthy: true, detail: `${what} exited with status 0` };
  const how = result.signal ? `was killed by ${result.signal}` : `exited with status ${result.code}`;
  return { healthy: false, detail: `${what} ${how}${result.output ? `: ${result.output}` : ''}` };
}

async function httpProbe(port: number, path: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<ProbeResult> {
  const url = `http://127.0.0.1:${port}${path}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'manual' });
    await response.body?.cancel();
    const healthy = response.status >= 200 && response.status < 400;
    return { healthy, detail: `GET ${url}: HTTP ${response.status}` };
  } catch (err) {
    return { healthy: false, detail: `GET ${url}: ${networkError(err, timeoutMs)}` };
  }
}

function tcpProbe(port: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<ProbeResult> {
  const where = `TCP 127.0.0.1:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      socket.destroy();
      resolve(result);
    };
    const aborted = () => done({ healthy: false, detail: `${where}: probe stopped` });
    signal?.addEventListener('abort', aborted, { once: true });
    const timer = setTimeout(() => done({ healthy: false, detail: `${where}: no connection within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('connect', () => done({ healthy: true, detail: `${where}: connected` }));
    socket.once('error', (err) => done({ healthy: false, detail: `${where}: ${err.message}` }));
  });
}

function networkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}

/**
 * A task in its own network namespace: 127.0.0.1 is its loopback, not ours, so
 * the probe runs as a small Node program inside it (this same Node binary, so
 * nothing else needs to be installed in the host).
 */
async function networkProbeInNamespace(
  probe: Extract<Probe, { type: 'http' | 'tcp' }>,
  pid: number,
  flags: string[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProbeResult> {
  const script = probe.type === 'http' ? HTTP_SCRIPT : TCP_SCRIPT;
  const args = probe.type === 'http' ? [String(probe.port), probe.path] : [String(probe.port)];
  const result = await runProgram([...nsenterPrefix(pid, flags), process.execPath, '-e', script, ...args], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutMs,
    signal,
  });
  if (result.timedOut) return { healthy: false, detail: `${probe.type.toUpperCase()} probe timed out after ${timeoutMs / 1000} s` };
  return { healthy: result.code === 0, detail: result.output || programVerdict('probe', result, timeoutMs).detail };
}

// Exit 0 = healthy; the one line printed is the detail.
const HTTP_SCRIPT = `
const [port, path] = process.argv.slice(1);
const url = 'http://127.0.0.1:' + port + path;
fetch(url, { redirect: 'manual' }).then(
  (r) => { console.log('GET ' + url + ': HTTP ' + r.status); process.exit(r.status >= 200 && r.status < 400 ? 0 : 1); },
  (e) => { console.log('GET ' + url + ': ' + ((e.cause && e.cause.message) || e.message)); process.exit(1); });
`;
const TCP_SCRIPT = `
const port = Number(process.argv[1]);
const s = require('net').connect({ host: '127.0.0.1', port });
s.on('connect', () => { console.log('TCP 127.0.0.1:' + port + ': connected'); process.exit(0); });
s.on('error', (e) => { console.log('TCP 127.0.0.1:' + port + ': ' + e.message); process.exit(1); });
`;
