// W1 — Mesos' DeclineOffers (src/tests/hierarchical_allocator_tests.cpp):
// F frameworks in role '*' that have all the work they want. Every agent
// (cpus:24;mem:4096;disk:4096;ports:[31000-32000]) already runs 16 tasks of one
// framework (cpus:16;mem:2014;disk:1024 and 16 single ports), round-robin. Each
// round allocates, and every offer is declined forever, so round r offers each
// agent to a framework that has not refused it yet: F busy rounds of A offers,
// then F idle rounds in which every framework refuses every agent.
//
// The state moves on from round to round (filters pile up), so rounds cannot
// be repeated on the same state: they are timed one by one with hrtime, not
// with tinybench. Only allocate() is inside the allocate timer; decline() has
// its own.

import type { AllocatorApi } from '@tessera/allocator';

import { addAgentsInBatches, addFrameworks, agentId, type Impl, MESOS_AGENT, newAllocator, resources, used } from './cluster.js';
import { heapDelta, heapNow } from './memory.js';
import { collectGarbage, nextTurn, settle, timeMs } from './measure.js';
import { bytes, count, type Row } from './report.js';
import { summarize } from './stats.js';

export interface W1Size {
  label: string;
  agents: number;
  frameworks: number;
}

export const W1_SIZES: Record<string, W1Size> = {
  '10k-1k': { label: '10k × 1k', agents: 10_000, frameworks: 1_000 },
  '10k-3k': { label: '10k × 3k', agents: 10_000, frameworks: 3_000 },
  '50k-6k': { label: '50k × 6k', agents: 50_000, frameworks: 6_000 },
  /** Not Mesos': the gate's way to reach idle rounds at 10k agents in 100 busy rounds. */
  '10k-100': { label: '10k × 100', agents: 10_000, frameworks: 100 },
};

/** Per-round median target (ms), through the JS API on one core. */
const TARGET_MS: Record<string, number> = { '10k-1k': 5, '50k-6k': 60 };

/** 16 single ports, 31000, 31002, ..., 31030: 16 disjoint ranges, as Mesos fragments its range. */
const TASK_PORTS: Array<[number, number]> = Array.from({ length: 16 }, (_, k) => [31000 + 2 * k, 31000 + 2 * k]);
const USED = { cpus: 16, mem: 2014, disk: 1024, ports: TASK_PORTS };

export function buildW1(impl: Impl, size: W1Size): AllocatorApi {
  const alloc = newAllocator(impl);
  addFrameworks(alloc, size.frameworks);
  addAgentsInBatches(alloc, size.agents, (i) => ({
    id: agentId(i),
    resources: resources(MESOS_AGENT),
    used: [used(i % size.frameworks, '*', USED)],
  }));
  return alloc;
}

export interface RoundLog {
  allocateMs: number[];
  declineMs: number[];
  offers: number[];
  filtered: number[];
}

/** Runs rounds 1..`rounds` of W1 on `alloc`, timing each allocate() and decline(). */
export async function runRounds(alloc: AllocatorApi, rounds: number, onRound?: (r: number, log: RoundLog) => void): Promise<RoundLog> {
  const log: RoundLog = { allocateMs: [], declineMs: [], offers: [], filtered: [] };
  for (let r = 0; r < rounds; r++) {
    await nextTurn();
    const now = r * 1000;
    const [allocateMs, cycle] = timeMs(() => alloc.allocate(now));
    const [declineMs] = timeMs(() => alloc.decline(cycle.offerIds, { refuseSeconds: Infinity, now }));
    log.allocateMs.push(allocateMs);
    log.declineMs.push(declineMs);
    log.offers.push(cycle.length);
    log.filtered.push(cycle.passedOver.filter);
    onRound?.(r, log);
  }
  return log;
}

export interface W1Options {
  sizeKey: string;
  /** Rounds to run on the native allocator, from round 1 (at most 2 × F). */
  rounds: number;
  /** Rounds to run on the reference, from round 1; 0 = skip. */
  referenceRounds: number;
  /** Why the reference is skipped, when referenceRounds is 0. */
  referenceSkip?: string;
  /** Metric id suffix for a reduced run (gate), e.g. `first50`. */
  tag?: string;
  progress?: (line: string) => void;
}

export async function runW1(options: W1Options): Promise<Row[]> {
  const size = W1_SIZES[options.sizeKey]!;
  const fullRounds = 2 * size.frameworks;
  const rounds = Math.min(options.rounds, fullRounds);
  const say = options.progress ?? (() => {});

  await settle();
  const heap0 = heapNow();
  const [heapSetup, native] = heapDelta(() => buildW1('native', size));
  say(`W1 ${size.label}: native, ${rounds} of ${fullRounds} rounds`);
  const started = Date.now();
  // Progress every 500 rounds or 30 s, whichever comes first: late rounds of the big sizes take seconds.
  let lastSay = Date.now();
  const log = await runRounds(native, rounds, (r, l) => {
    if ((r + 1) % 500 !== 0 && Date.now() - lastSay < 30_000) return;
    lastSay = Date.now();
    const rss = process.memoryUsage().rss / 2 ** 20;
    say(`  round ${r + 1}/${rounds}: allocate ${l.allocateMs[r]!.toFixed(1)} ms, ${l.offers[r]} offers; rss ${rss.toFixed(0)} MiB, addon heap ${(heapNow() / 2 ** 20).toFixed(0)} MiB`);
  });
  const wallS = (Date.now() - started) / 1000;
  await settle();
  const heapEnd = heapNow() - heap0;
  const filters = native.stats().filters;

  let ref: RoundLog | undefined;
  let refMismatch: string | undefined;
  const k = Math.min(options.referenceRounds, rounds);
  if (k > 0) {
    collectGarbage();
    say(`W1 ${size.label}: reference, ${k} rounds`);
    const reference = buildW1('reference', size);
    ref = await runRounds(reference, k);
    for (let r = 0; r < k; r++) {
      if (ref.offers[r] !== log.offers[r] || ref.filtered[r] !== log.filtered[r]) {
        refMismatch = `round ${r + 1}: native ${log.offers[r]} offers/${log.filtered[r]} filtered, reference ${ref.offers[r]}/${ref.filtered[r]}`;
        break;
      }
    }
  }

  const busy = log.allocateMs.filter((_, r) => log.offers[r]! > 0);
  const idle = log.allocateMs.filter((_, r) => log.offers[r] === 0);
  // Declining the 0 offers of an idle round costs nothing: decline is judged on busy rounds.
  const declines = log.declineMs.filter((_, r) => log.offers[r]! > 0);
  const slice = k > 0 ? `rounds 1–${k} (both implementations, same offers)` : undefined;
  const sliceOf = (xs: number[]) => summarize(xs.slice(0, k));
  const measured = rounds === fullRounds ? `all ${count(rounds)} rounds` : `rounds 1–${count(rounds)} of ${count(fullRounds)} (a prefix: only real rounds, no fast-forward; --full runs all)`;
  const target = TARGET_MS[options.sizeKey];
  const tag = options.tag ? `.${options.tag}` : '';
  const refNote = k > 0 ? undefined : options.referenceSkip;
  const mismatch = refMismatch ? [`IMPLEMENTATIONS DISAGREE (${refMismatch}): an allocator bug`] : [];

  const details = {
    agents: size.agents,
    frameworks: size.frameworks,
    roundsMeasured: rounds,
    roundsInFullRun: fullRounds,
    offersFirstRound: log.offers[0],
    busyRounds: busy.length,
    idleRounds: idle.length,
    wallSeconds: wallS,
    busy: summarize(busy),
    idle: summarize(idle),
    decline: summarize(declines),
    filtersAtEnd: filters,
    heapBytesAfterSetup: heapSetup,
    heapBytesAtEnd: heapEnd,
    allocateMsByRound: log.allocateMs,
    declineMsByRound: log.declineMs,
    offersByRound: log.offers,
    reference: ref && { rounds: k, allocateMsByRound: ref.allocateMs, declineMsByRound: ref.declineMs, offersByRound: ref.offers },
  };

  const allRow: Row = {
    id: `w1.${options.sizeKey}.allocate${tag}`,
    workload: 'W1 DeclineOffers allocate()',
    size: `${size.label}, ${rounds === fullRounds ? 'all' : 'first'} ${count(rounds)} rnd`,
    native: summarize(log.allocateMs),
    ...(ref ? { reference: summarize(ref.allocateMs), ratio: summarize(ref.allocateMs).median / sliceOf(log.allocateMs).median, ratioSlice: slice } : {}),
    referenceNote: refNote,
    memory: `heap ${bytes(heapSetup)} → ${bytes(heapEnd)}`,
    target: target !== undefined ? { op: '<=', value: target, text: `≤ ${target} ms` } : undefined,
    notes: [
      `W1 ${size.label}: measured ${measured} in ${wallS.toFixed(0)} s wall; ${count(log.offers[0] ?? 0)} offers in round 1; ` +
        `${busy.length} busy rounds (median ${summarizeText(busy)}), ${idle.length ? `${idle.length} idle rounds with 0 offers (median ${summarizeText(idle)})` : 'no idle round (0 offers) among them'}; ` +
        `mean ${summarize(log.allocateMs).mean.toFixed(1)} ms; ${count(filters)} filters at the end`,
      ...mismatch,
    ],
    details,
  };
  const rows: Row[] = [allRow];
  if (idle.length > 0 && busy.length > 0) {
    allRow.bimodal = true;
    // With half the rounds idle, the all-rounds median sits on the boundary
    // between the two populations: show each on its own. The busy rounds are
    // what a master waits on when frameworks decline.
    rows.push(
      {
        id: `w1.${options.sizeKey}.busy${tag}`,
        workload: 'W1 … busy rounds (offers>0)',
        size: `${size.label}, ${count(busy.length)} rnd`,
        native: summarize(busy),
        target: allRow.target,
      },
      {
        id: `w1.${options.sizeKey}.idle${tag}`,
        workload: 'W1 … idle rounds (0 offers)',
        size: `${size.label}, ${count(idle.length)} rnd`,
        native: summarize(idle),
        target: allRow.target,
      },
    );
  }
  rows.push({
    id: `w1.${options.sizeKey}.decline${tag}`,
    workload: 'W1 … decline() all offers',
    size: `${size.label}, ${count(declines.length)} busy rnd`,
    native: summarize(declines),
    ...(ref ? { reference: summarize(ref.declineMs), ratio: summarize(ref.declineMs).median / sliceOf(log.declineMs).median, ratioSlice: slice } : {}),
    referenceNote: refNote,
  });
  return rows;
}

function summarizeText(xs: number[]): string {
  if (!xs.length) return '—';
  const s = summarize(xs);
  return `${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`;
}
