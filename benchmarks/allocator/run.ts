// npm run bench [-- --only w1,w2,w3,w4,memory] [--quick] [--full]
//
// Runs the allocator workloads on the native allocator and, on a bounded slice
// of the same work, on the TypeScript reference; prints one table and writes
// bench-results/allocator-<timestamp>.json.
//
//   default  W1 10k×1k and 10k×3k in full (all 2×F rounds); W1 50k×6k on its
//            first 300 rounds of 12,000 (all of them take ≈ 25 min, see README)
//   --full   W1 50k×6k for all 12,000 rounds
//   --quick  a smoke run: W1 prefixes of 100 rounds, fewer iterations,
//            smaller reference slices (minutes → about two)

import { parseArgs } from 'node:util';

import { hasGc } from './measure.js';
import { runMemory } from './memory.js';
import { addonChanged, describe, environment, formatTable, type Row, verdict, writeJson } from './report.js';
import { runW1, W1_SIZES } from './w1-decline-offers.js';
import { runW2 } from './w2-cycle-grid.js';
import { runW3 } from './w3-quota.js';
import { runW4 } from './w4-placement.js';

const WORKLOADS = ['memory', 'w1', 'w2', 'w3', 'w4'] as const;
type Workload = (typeof WORKLOADS)[number];

/** Rounds of W1 50k×6k run by default: a prefix of real rounds, ≈ 30 s here (all 12,000: ≈ 25 min). */
const W1_50K_DEFAULT_ROUNDS = 300;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: npm run bench [-- --only w1,w2,w3,w4,memory] [--quick | --full]');
  process.exit(0);
}
if (values.quick && values.full) {
  console.error('bench: --quick and --full contradict each other');
  process.exit(2);
}
const only = values.only ? values.only.split(',').map((s) => s.trim().toLowerCase()) : [...WORKLOADS];
for (const w of only) {
  if (!(WORKLOADS as readonly string[]).includes(w)) {
    console.error(`bench: --only: unknown workload '${w}' (known: ${WORKLOADS.join(', ')})`);
    process.exit(2);
  }
}
const mode = values.quick ? 'quick' : values.full ? 'full' : 'default';
const quick = mode === 'quick';
const startedAt = new Date();
// Taken now: the addon this process has loaded is the one on disk at start.
const env = environment(hasGc());
const t0 = Date.now();
const progress = (line: string): void => {
  console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
};

if (!hasGc()) progress('note: node runs without --expose-gc; garbage of one phase may land in the next one\'s samples (npm run bench passes it)');

const steps: Record<Workload, () => Promise<Row[]>> = {
  memory: () => runMemory({ w2: true, reference: true }),

  w1: async () => {
    const rows: Row[] = [];
    const w1 = (sizeKey: string, rounds: number, referenceRounds: number, referenceSkip?: string) =>
      runW1({ sizeKey, rounds, referenceRounds, referenceSkip, progress });
    const full = (key: string) => 2 * W1_SIZES[key]!.frameworks;
    rows.push(...(await w1('10k-1k', quick ? 100 : full('10k-1k'), quick ? 1 : 3)));
    rows.push(...(await w1('10k-3k', quick ? 100 : full('10k-3k'), quick ? 1 : 3)));
    const rounds50k = mode === 'full' ? full('50k-6k') : quick ? 50 : W1_50K_DEFAULT_ROUNDS;
    // One reference round at 50k × 6k takes ≈ 40 s here: once, and not in --quick.
    rows.push(...(await w1('50k-6k', rounds50k, quick ? 0 : 1, 'skipped in --quick (one round takes ≈ 40 s)')));
    return rows;
  },

  w2: async () => {
    const rows: Row[] = [];
    for (const sizeKey of ['1k-100', '5k-500', '10k-1k', '20k-2k']) {
      const big = sizeKey === '20k-2k';
      rows.push(
        ...(await runW2({
          sizeKey,
          iterations: quick ? 5 : 20,
          time: quick ? 500 : 2000,
          referenceIterations: quick && big ? 0 : quick ? 1 : 3,
          referenceSkip: 'skipped in --quick (≈ 6 s per cycle)',
          progress,
        })),
      );
    }
    return rows;
  },

  w3: async () => [
    ...(await runW3({ sizeKey: '3000', repeats: quick ? 3 : 7, reference: !quick, referenceSkip: 'skipped in --quick (≈ 40 s)', progress })),
    ...(await runW3({ sizeKey: '300', repeats: quick ? 3 : 7, reference: true, progress })),
  ],

  // The reference places ≈ 800 tasks/s, so 1,000 jobs (100,000 tasks) would
  // take ≈ 2 minutes per strategy on it: it gets the first 100 jobs, and the
  // native allocator is timed again on exactly those for the ratio.
  w4: () => runW4({ jobs: 1000, iterations: quick ? 5 : 20, time: quick ? 500 : 2000, referenceJobs: quick ? 20 : 100, referenceIterations: 1, progress }),
};

const rows: Row[] = [];
for (const w of WORKLOADS) {
  if (!only.includes(w)) continue;
  progress(`== ${w}`);
  rows.push(...(await steps[w]()));
}

const seconds = (Date.now() - t0) / 1000;
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
console.log(`\nTessera allocator benchmarks — ${startedAt.toISOString()}, ${command}, mode ${mode}, ${seconds.toFixed(0)} s`);
console.log('Times are per call through the JS API on one core; ref/native = reference median ÷ native median on identical work.\n');
console.log(formatTable(rows));
const rebuilt = addonChanged(env);
const file = writeJson('allocator', {
  startedAt: startedAt.toISOString(),
  seconds,
  command,
  mode,
  only,
  environment: env,
  addonRebuiltDuringRun: rebuilt ?? null,
  rows: rows.map((r) => ({ ...r, verdict: verdict(r) || undefined })),
});
console.log(`\n${describe(env)}${rebuilt ? `\n${rebuilt}` : ''}\nresults: ${file}`);
