// npm run bench:e2e [-- --scenario launch|connect|all] [--agents N] [--frameworks F]
//                      [--seconds S] [--warmup W] [--hold H] [--json-out FILE] ...
//
// The control-plane benchmark: the master in a child process, simulated
// agents (real AgentService streams) and SDK frameworks in this one. Prints
// one table and writes bench-results/e2e-<timestamp>.json (or --json-out).
// See benchmarks/README.md, "Control plane", for the definitions.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { describe, environment, writeJson } from '../allocator/report.js';
import { cleanupAll } from './cleanup.js';
import { formatTable, verdict, type E2eRow } from './report.js';
import { runConnect } from './scenario-connect.js';
import { runLaunch } from './scenario-launch.js';

const USAGE = `usage: npm run bench:e2e -- [options]
  --scenario launch|connect|all   what to run (default all)
  --agents N                      simulated agents (default: launch 1000, connect 10000)
  --frameworks F                  frameworks in the launch scenario (default 10)
  --warmup S                      launch: seconds before the measured window (default 5)
  --seconds S                     launch: measured seconds (default 20)
  --hold S                        connect: seconds to hold the agents connected (default 30)
  --task RESOURCES                launch: what one task takes (default cpus:4;mem:16384: two fill an agent)
  --ping-interval S               connect: master ping interval (default 1; launch uses 5)
  --agents-per-connection N       simulated agents sharing one HTTP/2 connection (default 10)
  --batch N                       agents registering at once while ramping (default 500)
  --single-updates                launch: simulated agents send one status_update per message
                                  (default: an agent's updates of one event-loop turn in one
                                  status_updates message)
  --shared-connection             launch: all frameworks on one HTTP/2 connection (default: one each)
  --registry file|memory          the master's registry (default: launch file, as tessera master;
                                  connect memory: the file registry admits agents one rewrite of
                                  the whole file at a time, ≈ 30/s by 3,000 agents; see README)
  --allocation-delay-ms N         launch: the master's allocation coalescing window (default: the master's, 5 ms)
  --cpu-prof DIR                  launch: write the master's V8 CPU profile into DIR
  --json-out FILE                 where the JSON goes (default bench-results/e2e-<timestamp>.json)`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    agents: { type: 'string' },
    frameworks: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    hold: { type: 'string', default: '30' },
    task: { type: 'string', default: 'cpus:4;mem:16384' },
    'ping-interval': { type: 'string', default: '1' },
    'agents-per-connection': { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    registry: { type: 'string' },
    'shared-connection': { type: 'boolean', default: false },
    'single-updates': { type: 'boolean', default: false },
    'allocation-delay-ms': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'json-out': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`bench:e2e: ${message}\n${USAGE}`);
  process.exit(2);
}

function number(flag: string, text: string | undefined, min: number, max: number, integer = true): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    fail(`--${flag}: must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}] (got ${JSON.stringify(text)})`);
  }
  return v;
}

const scenario = values.scenario;
if (scenario !== 'launch' && scenario !== 'connect' && scenario !== 'all') fail(`--scenario: must be launch, connect or all (got ${JSON.stringify(scenario)})`);
const agents = values.agents === undefined ? undefined : number('agents', values.agents, 1, 100_000);
const frameworks = number('frameworks', values.frameworks, 1, 1000);
const warmup = number('warmup', values.warmup, 0, 3600, false);
const seconds = number('seconds', values.seconds, 1, 3600, false);
const hold = number('hold', values.hold, 1, 3600, false);
const pingInterval = number('ping-interval', values['ping-interval'], 0.1, 60, false);
const agentsPerConnection = number('agents-per-connection', values['agents-per-connection'], 1, 100_000);
const batch = number('batch', values.batch, 1, 100_000);
const registry = values.registry;
if (registry !== undefined && registry !== 'file' && registry !== 'memory') fail(`--registry: must be file or memory (got ${JSON.stringify(registry)})`);
const allocationDelayMs = values['allocation-delay-ms'] === undefined ? undefined : number('allocation-delay-ms', values['allocation-delay-ms'], 0, 10_000, false);
const cpuProfileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

const startedAt = new Date();
const env = environment(typeof globalThis.gc === 'function');
const t0 = performance.now();
const progress = (line: string): void => {
  console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
};

const rows: E2eRow[] = [];
let failure: unknown;
try {
  if (scenario !== 'connect') {
    progress('== launch');
    rows.push(
      ...(await runLaunch({
        agents: agents ?? 1000,
        frameworks,
        warmupSeconds: warmup,
        seconds,
        task: values.task,
        agentPingIntervalSeconds: 5,
        agentsPerConnection,
        registerBatch: batch,
        registry: registry ?? 'file',
        batchUpdates: !values['single-updates'],
        declineRefuseSeconds: 1,
        sharedConnection: values['shared-connection'],
        ...(allocationDelayMs !== undefined ? { allocationDelayMs } : {}),
        ...(cpuProfileDir ? { cpuProfileDir } : {}),
        progress,
      })),
    );
    // Let the first master's sockets and the garbage of the run go before the next scenario.
    globalThis.gc?.();
  }
  if (scenario !== 'launch') {
    progress('== connect');
    rows.push(
      ...(await runConnect({
        agents: agents ?? 10_000,
        holdSeconds: hold,
        agentPingIntervalSeconds: pingInterval,
        maxAgentPingTimeouts: 5,
        agentsPerConnection,
        registerBatch: batch,
        registry: registry ?? 'memory',
        progress,
      })),
    );
  }
} catch (err) {
  failure = err;
  console.error(`bench:e2e: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanupAll();
}

const elapsed = (performance.now() - t0) / 1000;
const command = `npm run bench:e2e${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
console.log(`\nTessera control-plane benchmark — ${startedAt.toISOString()}, ${command}, ${elapsed.toFixed(0)} s`);
console.log('Master in its own process; simulated agents and frameworks in the load generator; both share the machine.\n');
console.log(formatTable(rows));
const payload = {
  kind: 'e2e',
  startedAt: startedAt.toISOString(),
  seconds: elapsed,
  command,
  scenario,
  environment: env,
  failure: failure === undefined ? null : String(failure),
  rows: rows.map((r) => ({ ...r, verdict: verdict(r) || undefined })),
};
let file: string;
if (values['json-out']) {
  file = path.resolve(values['json-out']);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(payload, null, 2) + '\n');
} else {
  file = writeJson('e2e', payload);
}
console.log(`\n${describe(env)}${cpuProfileDir ? `\nmaster CPU profile: ${cpuProfileDir}` : ''}\nresults: ${file}`);
// Open gRPC channels of closed clients may keep timers; the work is done.
process.exit(failure === undefined ? 0 : 1);
