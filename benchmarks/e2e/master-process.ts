// The master under test, alone in its own process so that its resident memory
// and CPU time are its own (the load generator reads them from /proc).
//
//   node --import tsx benchmarks/e2e/master-process.ts '<MasterSettings JSON>'
//
// Prints one JSON line on stdout, {"pid","id","grpcAddress","httpAddress"},
// once both servers listen; logs (warn and above) go to stderr. Stops on
// SIGTERM/SIGINT, and also when stdin closes: the load generator holds the
// other end, so a load generator that dies (even by SIGKILL) takes its master
// with it instead of leaving it behind on the shared machine.

import { createLogger } from '@tessera/common';

import { MemoryRegistry, startMaster } from '../../ts/master/src/index.js';
import type { MasterSettings } from './master-settings.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as MasterSettings;
const logger = createLogger('master', { level: settings.logLevel ?? 'warn', destination: process.stderr });

const master = await startMaster({
  host: '127.0.0.1',
  port: 0,
  httpPort: 0,
  workDir: settings.workDir,
  logger,
  agentPingIntervalSeconds: settings.agentPingIntervalSeconds,
  maxAgentPingTimeouts: settings.maxAgentPingTimeouts,
  ...(settings.allocationDelayMs !== undefined ? { allocationDelayMs: settings.allocationDelayMs } : {}),
  ...(settings.registry === 'memory' ? { registry: new MemoryRegistry() } : {}),
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // A master that cannot stop in time is not worth waiting for: the numbers are taken.
  const guard = setTimeout(() => process.exit(code), 5_000);
  guard.unref();
  try {
    await master.stop();
  } finally {
    // process.exit (not a natural end) so that --cpu-prof writes its profile now.
    process.exit(code);
  }
}

process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.on('error', () => void stop(0));
process.stdin.resume();

process.stdout.write(
  JSON.stringify({ pid: process.pid, id: master.id, grpcAddress: master.grpcAddress, httpAddress: master.httpAddress }) + '\n',
);
