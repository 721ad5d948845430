// npm run bench:gate [-- --update [--runs 3]]
//
// The reduced suite CI runs (well under 3 minutes on a 2-core machine): each
// workload at one size with a short reference slice. Every native median is
// held to a budget and every native/reference ratio to a floor, both committed
// in benchmarks/budgets.json; exit 1 names each metric that broke one.
//
// Budgets are ≈ 3× this machine's medians (loose for noisy CI), floors ≈ 1/3
// of the measured ratios. `--update` runs the gate 3 times (--runs N) and
// rewrites budgets.json (budgets from the slowest run, floors from the median
// run of each metric); see
// benchmarks/README.md for when that is the right thing.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { hasGc } from './measure.js';
import { runMemory } from './memory.js';
import { addonChanged, describe, environment, formatTable, ms, type Row, writeJson } from './report.js';
import { runW1 } from './w1-decline-offers.js';
import { runW2 } from './w2-cycle-grid.js';
import { runW3 } from './w3-quota.js';
import { summarize } from './stats.js';
import { runW4 } from './w4-placement.js';

interface Budgets {
  about?: string;
  /** Native median (ms) must not exceed. */
  budgetsMs: Record<string, number>;
  /** Reference median ÷ native median must not fall below. */
  ratioFloors: Record<string, number>;
  /** Native heap bytes per agent must not exceed. */
  bytesPerAgent: Record<string, number>;
}

const BUDGETS_FILE = path.resolve(import.meta.dirname, '..', 'budgets.json');
const ABOUT =
  'Budgets of npm run bench:gate (benchmarks/allocator/gate.ts), keyed by metric id: budgetsMs caps native medians (3× the slowest of 3 runs here, at least 5 ms), ' +
  'ratioFloors bounds reference ÷ native medians from below (1/3 of the median run), bytesPerAgent caps native heap per agent (1.5×). ' +
  'Update: npm run bench:gate -- --update, review the diff, commit it with the reason (benchmarks/README.md).';
const MEDIAN_SLACK = 3;
/** No budget below this: sub-millisecond medians here swing more than 3× with the machine's mood. */
const MIN_BUDGET_MS = 5;
const RATIO_SLACK = 3;
const BYTES_SLACK = 1.5;

const { values } = parseArgs({
  options: {
    update: { type: 'boolean', default: false },
    /** With --update: runs of the whole gate whose per-metric medians set the budgets. */
    runs: { type: 'string', default: '3' },
  },
});
const runs = values.update ? Math.max(1, Number.parseInt(values.runs!, 10) || 3) : 1;

const t0 = Date.now();
const env = environment(hasGc());
const progress = (line: string): void => {
  console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
};

const plan: Array<() => Promise<Row[]>> = [
  () => runMemory({ w2: false, reference: false, referenceSkip: 'not in the gate' }),
  // Rounds 1–50 of 10k × 1k (all busy), the reference on rounds 1–2.
  () => runW1({ sizeKey: '10k-1k', rounds: 50, referenceRounds: 2, tag: 'first50', progress }),
  // Idle rounds need every framework to have refused every agent: with 100
  // frameworks that takes 100 real busy rounds, then 100 idle ones follow.
  () => runW1({ sizeKey: '10k-100', rounds: 200, referenceRounds: 2, progress }),
  () => runW2({ sizeKey: '10k-1k', iterations: 10, time: 1000, referenceIterations: 1, progress }),
  () => runW3({ sizeKey: '3000', repeats: 3, reference: false, referenceSkip: 'gate: see the 300-role row', progress }),
  () => runW3({ sizeKey: '300', repeats: 3, reference: true, progress }),
  () => runW4({ jobs: 200, iterations: 10, time: 1000, referenceJobs: 20, referenceIterations: 1, tag: '200jobs', progress }),
];

// With --update the gate runs several times to set the bounds (see below).
const history: Row[][] = [];
for (let i = 0; i < runs; i++) {
  if (runs > 1) progress(`run ${i + 1} of ${runs}`);
  const one: Row[] = [];
  for (const step of plan) one.push(...(await step()));
  history.push(one);
}
const rows = history[history.length - 1]!;
const seconds = (Date.now() - t0) / 1000;

const rebuilt = addonChanged(env);
console.log(`\nTessera allocator gate — ${new Date(t0).toISOString()}, ${seconds.toFixed(0)} s; ${describe(env)}${rebuilt ? `\n${rebuilt}` : ''}\n`);
console.log(formatTable(rows));

const byId = new Map(rows.map((r) => [r.id, r]));
const bytesOf = (r: Row): number | undefined => r.details?.['nativeBytesPerAgent'] as number | undefined;

if (values.update) {
  // Two significant digits, rounded away from failing.
  const round2 = (x: number, up: boolean): number => {
    const p = 10 ** (Math.floor(Math.log10(x)) - 1);
    return Number(((up ? Math.ceil(x / p) : Math.floor(x / p)) * p).toPrecision(2));
  };
  const old = readBudgets();
  const next: Budgets = { about: old?.about ?? ABOUT, budgetsMs: {}, ratioFloors: {}, bytesPerAgent: {} };
  // Budgets come from the slowest run: this machine's medians swing by up to
  // ~2.5× between runs (idle W1 rounds: 0.9 ms or 2.6 ms), so a budget from a
  // lucky run would fail the next ordinary one. Floors come from the median
  // run's ratio, so that a ratio falling to a third is caught.
  const seen = (id: string, value: (r: Row) => number | undefined): number[] =>
    history
      .map((run) => run.find((r) => r.id === id))
      .map((r) => (r ? value(r) : undefined))
      .filter((x): x is number => x !== undefined && Number.isFinite(x));
  const over = (xs: number[], pick: (...v: number[]) => number): number | undefined => (xs.length ? pick(...xs) : undefined);
  for (const r of rows) {
    const median = over(seen(r.id, (x) => x.native?.median), Math.max);
    const ratio = over(seen(r.id, (x) => x.ratio), (...v) => summarize(v).median);
    const b = over(seen(r.id, bytesOf), Math.max);
    if (median !== undefined && !r.bimodal && !r.id.startsWith('memory.')) next.budgetsMs[r.id] = Math.max(MIN_BUDGET_MS, round2(MEDIAN_SLACK * median, true));
    if (ratio !== undefined) next.ratioFloors[r.id] = round2(ratio / RATIO_SLACK, false);
    if (b !== undefined) next.bytesPerAgent[r.id] = round2(BYTES_SLACK * b, true);
  }
  writeFileSync(BUDGETS_FILE, JSON.stringify(next, null, 2) + '\n');
  console.log(`\nwrote ${BUDGETS_FILE} from ${runs} runs (slowest median, median ratio per metric) (budgets ${MEDIAN_SLACK}× medians, floors ratios ÷ ${RATIO_SLACK}, bytes ${BYTES_SLACK}×); review the diff before committing it`);
  process.exit(0);
}

const budgets = readBudgets();
if (!budgets) {
  console.error(`\ngate: ${BUDGETS_FILE} is missing; run npm run bench:gate -- --update`);
  process.exit(1);
}

const failures: string[] = [];
const checks: string[] = [];
const check = (id: string, what: string, ok: boolean, text: string): void => {
  checks.push(`${ok ? 'ok  ' : 'FAIL'} ${id} ${what}: ${text}`);
  if (!ok) failures.push(`${id} ${what} (${text})`);
};
for (const [id, budget] of Object.entries(budgets.budgetsMs)) {
  const median = byId.get(id)?.native?.median;
  if (median === undefined) check(id, 'median', false, 'metric missing from this run');
  else check(id, 'median', median <= budget, `${ms(median)} vs budget ${ms(budget)}`);
}
for (const [id, floor] of Object.entries(budgets.ratioFloors)) {
  const ratio = byId.get(id)?.ratio;
  if (ratio === undefined) check(id, 'ref/native', false, 'metric missing from this run');
  else check(id, 'ref/native', ratio >= floor, `${ratio.toFixed(1)}× vs floor ${floor}×`);
}
for (const [id, budget] of Object.entries(budgets.bytesPerAgent)) {
  const row = byId.get(id);
  const b = row && bytesOf(row);
  if (b === undefined) check(id, 'bytes/agent', false, 'metric missing from this run');
  else check(id, 'bytes/agent', b <= budget, `${Math.round(b)} B vs budget ${budget} B`);
}

console.log(`\n${checks.join('\n')}`);
const file = writeJson('allocator-gate', {
  startedAt: new Date(t0).toISOString(),
  seconds,
  environment: env,
  addonRebuiltDuringRun: rebuilt ?? null,
  budgets,
  failures,
  rows,
});
console.log(`\nresults: ${file}`);
if (failures.length) {
  console.error(`\ngate FAILED (${failures.length}):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`\ngate passed: ${checks.length} checks in ${seconds.toFixed(0)} s`);

function readBudgets(): Budgets | undefined {
  try {
    return JSON.parse(readFileSync(BUDGETS_FILE, 'utf8')) as Budgets;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
