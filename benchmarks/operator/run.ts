// npm run bench:operator — the operator API's latency on a large cluster.
//
// Builds a master state of N simulated agents and M running tasks the way the
// control plane would get there (no shortcut into the master's tables): an
// in-process master (memory registry), N agents that register over
// AgentService streams and report RUNNING for every task they are sent (and
// hold it: nothing finishes), and one SDK framework that fills every offer
// with tasks of cpus:1;mem:32 until M are running, acknowledging as it goes.
// Then, with the cluster idle, it times whole HTTP requests (first byte sent
// to last byte read, JSON parsed by the client) of:
//   GET /api/v1/state                       the full state (the Mesos GetState)
//   GET /api/v1/state/summary               counts only
//   GET /api/v1/tasks?state=RUNNING&offset=M/2&limit=100   one page, deep in
//   GET /metrics                            a Prometheus scrape
// and prints the medians, p90 and body sizes as a table (and JSON with --json).
//
//   npm run bench:operator                              # 10,000 agents, 100,000 tasks
//   npm run bench:operator -- --agents 1000 --tasks 10000 --runs 5

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  CLIENT_OPTIONS,
  TaskState,
  TaskStatus_Source,
  createLogger,
  silentLogger,
  type AgentMessage,
  type MasterMessage,
  type Resource,
} from '@tessera/common';

import { MemoryRegistry, startMaster } from '../../ts/master/src/index.js';
import { SchedulerClient } from '../../ts/sdk/src/index.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    tasks: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '11' },
    json: { type: 'boolean', default: false },
  },
});
const AGENTS = Number(args.agents);
const TASKS = Number(args.tasks);
const RUNS = Number(args.runs);
const TASKS_PER_AGENT = Math.ceil(TASKS / AGENTS);
const AGENTS_PER_CONNECTION = 100;

const progress = (line: string) => process.stderr.write(`[bench:operator] ${line}\n`);
const scalar = (name: string, value: number): Resource => ({ name, scalar: { value }, reservation: '', revocable: false });

/** N agents over AgentService, a stream each (many per HTTP/2 connection), holding every task RUNNING. */
class SimAgents {
  readonly #clients: AgentServiceClient[] = [];
  readonly #streams: Array<ClientDuplexStream<AgentMessage, MasterMessage>> = [];
  running = 0;

  constructor(readonly master: string) {}

  register(index: number): Promise<void> {
    const slot = Math.floor(index / AGENTS_PER_CONNECTION);
    // A local subchannel pool: each client its own connection (grpc-js would share one among identical channels).
    const client = (this.#clients[slot] ??= new AgentServiceClient(this.master, credentials.createInsecure(), { ...CLIENT_OPTIONS, 'grpc.use_local_subchannel_pool': 1 }));
    const stream = client.connect();
    this.#streams.push(stream);
    let agentId = '';
    let seq = 0;
    return new Promise((resolve, reject) => {
      stream.on('data', (m: MasterMessage) => {
        if (m.registered) {
          agentId = m.registered.agentId;
          resolve();
        } else if (m.refused) reject(new Error(`agent ${index} refused: ${m.refused.message}`));
        else if (m.ping) stream.write({ pong: { seq: m.ping.seq } });
        else if (m.runTask?.task) {
          const task = m.runTask.task;
          const uuid = Buffer.alloc(16);
          uuid.writeUInt32BE(index, 0);
          uuid.writeUInt32BE(++seq, 4);
          this.running++;
          stream.write({
            statusUpdate: {
              frameworkId: m.runTask.frameworkInfo?.id ?? '',
              latestState: TaskState.RUNNING,
              status: {
                taskId: task.taskId,
                state: TaskState.RUNNING,
                message: '',
                source: TaskStatus_Source.EXECUTOR,
                reason: 0,
                timestamp: Date.now() / 1000,
                agentId,
                executorId: task.taskId,
                uuid,
                containerId: `c-${task.taskId}`,
                data: Buffer.alloc(0),
              },
            },
          });
        }
        // Acknowledgements need nothing: the task stays RUNNING, no further update.
      });
      stream.on('error', (err) => reject(err));
      stream.write({
        register: {
          agentInfo: {
            id: '',
            hostname: `sim-agent-${index}`,
            address: `127.0.0.1:${20_000 + (index % 40_000)}`,
            resources: [scalar('cpus', TASKS_PER_AGENT), scalar('mem', 32 * TASKS_PER_AGENT), { name: 'ports', ranges: { range: [{ begin: 31000, end: 31099 }] }, reservation: '', revocable: false }],
            attributes: [{ name: 'rack', text: `r${index % 40}` }],
            version: 'bench',
          },
        },
      });
    });
  }

  close(): void {
    for (const s of this.#streams) s.cancel();
    for (const c of this.#clients) c.close();
  }
}

interface Timed {
  ms: number;
  bytes: number;
}

function timedGet(address: string, path: string): Promise<Timed> {
  const [host, port] = address.split(':');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}: ${body.toString().slice(0, 200)}`));
        if (res.headers['content-type']?.startsWith('application/json')) JSON.parse(body.toString('utf8'));
        resolve({ ms: performance.now() - started, bytes: body.length });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-bench-operator-'));
  const master = await startMaster({
    workDir,
    port: 0,
    httpPort: 0,
    registry: new MemoryRegistry(),
    logger: silentLogger(),
    // Pings and heartbeats would only add noise to the timings.
    agentPingIntervalSeconds: 3600,
    frameworkHeartbeatSeconds: 3600,
    agentReregisterTimeoutSeconds: 3600,
  });
  const agents = new SimAgents(master.grpcAddress);
  let framework: SchedulerClient | undefined;
  try {
    let started = performance.now();
    for (let i = 0; i < AGENTS; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, AGENTS - i) }, (_, k) => agents.register(i + k)));
    }
    const registerS = (performance.now() - started) / 1000;
    progress(`${AGENTS} agents registered in ${registerS.toFixed(1)} s`);

    started = performance.now();
    framework = new SchedulerClient({
      master: master.grpcAddress,
      framework: { name: 'bench-operator', user: 'bench' },
      autoAcknowledge: true,
      callTimeoutMs: 120_000,
      logger: createLogger('bench.framework', { level: 'error', destination: process.stderr }),
    });
    let launched = 0;
    let seq = 0;
    let runningSeen = 0;
    const done = new Promise<void>((resolve, reject) => {
      void (async () => {
        for await (const event of framework!.events()) {
          if (event.type === 'offers') {
            const decline: string[] = [];
            for (const offer of event.offers) {
              const cpus = offer.resources.filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
              const n = Math.min(Math.floor(cpus + 1e-9), TASKS - launched);
              if (n <= 0) {
                decline.push(offer.id);
                continue;
              }
              launched += n;
              const tasks = Array.from({ length: n }, () => ({
                taskId: `t${++seq}`,
                name: `bench-${seq}`,
                agentId: offer.agentId,
                resources: [scalar('cpus', 1), scalar('mem', 32)],
                command: { value: 'sleep 3600', shell: true },
              }));
              framework!.launch([offer.id], tasks, { refuseSeconds: 3600 }).catch(reject);
            }
            if (decline.length > 0) framework!.decline(decline, { refuseSeconds: 3600 }).catch(reject);
          } else if (event.type === 'update' && event.status.state === TaskState.RUNNING) {
            if (++runningSeen === TASKS) resolve();
            if (runningSeen % 20_000 === 0) progress(`${runningSeen} tasks running`);
          } else if (event.type === 'error') reject(new Error(event.message));
        }
      })().catch(reject);
    });
    await done;
    const launchS = (performance.now() - started) / 1000;
    progress(`${TASKS} tasks running in ${launchS.toFixed(1)} s`);
    // Let acknowledgements drain: the cluster idle while it is measured.
    await new Promise((r) => setTimeout(r, 2000));

    const summary = master.state();
    const endpoints: Array<[string, string]> = [
      ['/api/v1/state', '/api/v1/state'],
      ['/api/v1/state/summary', '/api/v1/state/summary'],
      ['/api/v1/tasks (one page of 100, deep)', `/api/v1/tasks?state=RUNNING&offset=${Math.floor(TASKS / 2)}&limit=100`],
      ['/api/v1/agents?limit=100', '/api/v1/agents?limit=100'],
      ['/metrics', '/metrics'],
    ];
    const rows: Array<{ endpoint: string; medianMs: number; p90Ms: number; minMs: number; bytes: number; runs: number }> = [];
    for (const [name, path] of endpoints) {
      await timedGet(master.httpAddress, path); // warm-up
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = await timedGet(master.httpAddress, path);
        times.push(t.ms);
        bytes = t.bytes;
      }
      times.sort((a, b) => a - b);
      rows.push({ endpoint: name, medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9), minMs: times[0]!, bytes, runs: RUNS });
      progress(`${name}: median ${quantile(times, 0.5).toFixed(1)} ms`);
    }
    const rss = process.memoryUsage().rss;
    console.log(`\nOperator API latency: ${AGENTS.toLocaleString('en')} agents, ${summary.tasks.length.toLocaleString('en')} running tasks, ${summary.frameworks.length} framework`);
    console.log(`(setup: agents registered in ${registerS.toFixed(1)} s, tasks running in ${launchS.toFixed(1)} s; process RSS ${(rss / 2 ** 20).toFixed(0)} MiB; ${RUNS} timed runs each after one warm-up; whole request, client parses the JSON)\n`);
    console.log('| endpoint | median | p90 | min | body |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| \`${r.endpoint}\` | ${r.medianMs.toFixed(1)} ms | ${r.p90Ms.toFixed(1)} ms | ${r.minMs.toFixed(1)} ms | ${(r.bytes / 1024).toFixed(r.bytes < 10_240 ? 1 : 0)} KiB |`);
    }
    if (args.json) console.log(JSON.stringify({ agents: AGENTS, tasks: summary.tasks.length, registerS, launchS, rssBytes: rss, rows }, null, 2));
  } finally {
    framework?.close();
    agents.close();
    await master.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
