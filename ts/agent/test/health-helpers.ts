// Helpers for the health-check tests: an agent against the fake master (a
// test double) that acknowledges every update as it arrives, so health updates
// flow as they would with a live framework, and tasks carrying a HealthCheck.

import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { CommandInfo, HealthCheck, HealthCheck_Type, silentLogger, type AgentMessage_StatusUpdate, type TaskInfo } from '@tessera/common';

import { startAgent, type AgentHandle, type AgentOptions } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { isRunning, isTerminalState, shellTask, tempDir, waitFor } from './helpers.js';

export interface HealthRig {
  master: FakeMaster;
  /** A test restarting the agent puts the new one here, so stop() stops it. */
  agent: AgentHandle;
  workDir: string;
  /** Stops the agent (passing `options` on) and the fake master; safe to call twice. */
  stop(options?: { killTasks?: boolean }): Promise<void>;
}

export async function startRig(options: Partial<AgentOptions> = {}): Promise<HealthRig> {
  const master = await new FakeMaster().start();
  const workDir = tempDir('tessera-health-');
  const agent = await startAgent({
    master: master.address,
    workDir,
    port: 0,
    logger: silentLogger(),
    statusUpdateRetry: { initialMs: 300, maxMs: 1_000 },
    reconnectBackoff: { initialMs: 50, maxMs: 500 },
    defaultKillGraceSeconds: 1,
    ...options,
  });
  await agent.registered;
  // Every update received is acknowledged once, resends included: a resend
  // means the agent did not hear (or keep) the earlier ack, e.g. across its restart.
  let acked = 0;
  const acker = setInterval(() => {
    const updates = master.updates();
    for (; acked < updates.length; acked++) {
      try {
        master.acknowledge(updates[acked]!);
      } catch {
        break; // no agent connected just now (a restart): retried on the next tick
      }
    }
  }, 10);
  const rig: HealthRig = {
    master,
    agent,
    workDir,
    async stop(options) {
      clearInterval(acker);
      await rig.agent.stop(options); // the agent of the moment (a test may restart it)
      await master.stop();
    },
  };
  return rig;
}

/** Updates of a task, one per uuid (resends dropped), in order. */
export function distinctUpdates(master: FakeMaster, taskId: string): AgentMessage_StatusUpdate[] {
  const seen = new Set<string>();
  return master.updates(taskId).filter((u) => {
    const key = Buffer.from(u.status!.uuid).toString('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Waits for the first update of the task that `match` accepts. */
export function waitForUpdateWhere(
  master: FakeMaster,
  taskId: string,
  what: string,
  match: (u: AgentMessage_StatusUpdate) => boolean,
  timeoutMs = 10_000,
): Promise<AgentMessage_StatusUpdate> {
  return waitFor(`${taskId}: ${what}`, () => distinctUpdates(master, taskId).find(match), timeoutMs);
}

export function waitForEnd(master: FakeMaster, taskId: string, timeoutMs = 10_000): Promise<AgentMessage_StatusUpdate> {
  return waitForUpdateWhere(master, taskId, 'a terminal update', (u) => isTerminalState(u.status?.state), timeoutMs);
}

/** Health updates (those with `healthy` set, before the end) of a task. */
export function healthUpdates(master: FakeMaster, taskId: string): boolean[] {
  return distinctUpdates(master, taskId)
    .filter((u) => !isTerminalState(u.status?.state) && u.status!.healthy !== undefined)
    .map((u) => u.status!.healthy!);
}

/** Short timings for tests: probe every 0.1 s, 1 s timeout. */
export function quickCheck(check: Partial<HealthCheck>): HealthCheck {
  return HealthCheck.create({ intervalSeconds: 0.1, timeoutSeconds: 1, consecutiveFailures: 3, ...check });
}

export function commandCheck(script: string, extra: Partial<HealthCheck> = {}): HealthCheck {
  return quickCheck({ type: HealthCheck_Type.COMMAND, command: CommandInfo.create({ shell: true, value: script }), ...extra });
}

export function healthyTask(taskId: string, script: string, healthCheck: HealthCheck, extra: Partial<TaskInfo> = {}): TaskInfo {
  return shellTask(taskId, script, { healthCheck, killPolicy: { gracePeriodSeconds: 1 }, ...extra });
}

/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Host pids of processes whose argv holds `marker` (checks run in a
 * container's PID namespace cannot tell the test their host pid).
 */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(marker) && isRunning(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A shell command running a tiny HTTP server on 127.0.0.1:port: /ok answers 200, anything else 500. */
export function httpServer(port: number): string {
  const program = `require('http').createServer((q, s) => { s.statusCode = q.url === '/ok' ? 200 : 500; s.end('x'); }).listen(${port}, '127.0.0.1')`;
  return `exec '${process.execPath}' -e "${program}"`;
}
