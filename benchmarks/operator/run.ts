// npm run bench:operator — the operator API's latency on a large cluster.
//
// Builds a master state of N simulated agents and M running tasks the way the
// control plane would get there (large-cluster.ts: simulated agents over
// AgentService, an SDK framework filling every offer). Then, with the
// cluster idle, it times whole HTTP requests (first byte sent to last byte
// read) of:
//   GET /api/v1/state                       the full state (the Mesos GetState)
//   GET /api/v1/state/summary               counts only
//   GET /api/v1/tasks?state=RUNNING&offset=M/2&limit=100   one page, deep in
//   GET /api/v1/agents?limit=100            one page of agents
//   GET /api/v1/frameworks                  the framework with its 100,000 tasks' used resources
//   GET /metrics                            a Prometheus scrape
// (the client is in the same process, idle while the master answers; it reads
// the body but parses it only after the warm-up request, outside the timing)
// and prints the medians, p90 and body sizes as a table (and JSON with --json).
//
//   npm run bench:operator                              # 10,000 agents, 100,000 tasks
//   npm run bench:operator -- --agents 1000 --tasks 10000 --runs 5

import { request } from 'node:http';
import { parseArgs } from 'node:util';

import { buildLargeCluster } from './large-cluster.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    tasks: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '11' },
    json: { type: 'boolean', default: false },
    // Comma-separated substrings of endpoint names to time (default: all).
    only: { type: 'string', default: '' },
  },
});
const AGENTS = Number(args.agents);
const TASKS = Number(args.tasks);
const RUNS = Number(args.runs);

const progress = (line: string) => process.stderr.write(`[bench:operator] ${line}\n`);

interface Timed {
  ms: number;
  bytes: number;
}

/** One whole request: from sending it to its last byte (the body is parsed as JSON only when `parse`, untimed runs). */
function timedGet(address: string, path: string, parse = false): Promise<Timed> {
  const [host, port] = address.split(':');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}: ${body.toString().slice(0, 200)}`));
        const ms = performance.now() - started;
        if (parse && res.headers['content-type']?.startsWith('application/json')) JSON.parse(body.toString('utf8'));
        resolve({ ms, bytes: body.length });
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
  const cluster = await buildLargeCluster({ agents: AGENTS, tasks: TASKS, progress });
  const { master, registerS, launchS } = cluster;
  try {
    const summary = master.state();
    const endpoints: Array<[string, string]> = [
      ['/api/v1/state', '/api/v1/state'],
      ['/api/v1/state/summary', '/api/v1/state/summary'],
      ['/api/v1/tasks (one page of 100, deep)', `/api/v1/tasks?state=RUNNING&offset=${Math.floor(TASKS / 2)}&limit=100`],
      ['/api/v1/agents?limit=100', '/api/v1/agents?limit=100'],
      ['/api/v1/frameworks', '/api/v1/frameworks'],
      ['/metrics', '/metrics'],
    ];
    const rows: Array<{ endpoint: string; medianMs: number; p90Ms: number; minMs: number; bytes: number; runs: number }> = [];
    const only = args.only ? args.only.split(',') : [];
    for (const [name, path] of endpoints) {
      if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
      await timedGet(master.httpAddress, path, true); // warm-up, and the body parsed once
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
    console.log(`(setup: agents registered in ${registerS.toFixed(1)} s, tasks running in ${launchS.toFixed(1)} s; process RSS ${(rss / 2 ** 20).toFixed(0)} MiB; ${RUNS} timed runs each after one warm-up; whole request to the last byte)\n`);
    console.log('| endpoint | median | p90 | min | body |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| \`${r.endpoint}\` | ${r.medianMs.toFixed(1)} ms | ${r.p90Ms.toFixed(1)} ms | ${r.minMs.toFixed(1)} ms | ${(r.bytes / 1024).toFixed(r.bytes < 10_240 ? 1 : 0)} KiB |`);
    }
    if (args.json) console.log(JSON.stringify({ agents: AGENTS, tasks: summary.tasks.length, registerS, launchS, rssBytes: rss, rows }, null, 2));
  } finally {
    await cluster.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
