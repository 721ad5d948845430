// How samples are taken: tinybench for steady-state work (every iteration does
// the same thing on the same state, restored by a beforeEach hook), and a plain
// hrtime stopwatch for workloads whose state moves on from round to round.

import { Bench, type FnHook } from 'tinybench';

export interface TinyOptions {
  /** Minimum measured iterations. */
  iterations: number;
  /** Time budget in ms for the measured calls; with the minimum, whichever runs longer. */
  time?: number;
  warmupIterations?: number;
  /** Restores the state the task expects; runs untimed before every call, warmup included. */
  beforeEach?: FnHook;
}

/**
 * Times `fn` with tinybench (hrtime clock) and returns its latency samples in
 * ms. Only the call of `fn` (synchronous) is inside the timed window; before
 * each call the event loop turns once (see `nextTurn`), then `beforeEach` runs.
 */
export async function tinybench(name: string, fn: () => void, options: TinyOptions): Promise<number[]> {
  const warmupIterations = options.warmupIterations ?? 1;
  const bench = new Bench({
    name,
    iterations: options.iterations,
    time: options.time ?? 0,
    warmup: warmupIterations > 0,
    warmupIterations,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
    timestampProvider: 'hrtimeNow',
  });
  const beforeEach = options.beforeEach;
  bench.add(name, fn, {
    async: false,
    beforeEach: async function (this: unknown, mode) {
      await nextTurn();
      await beforeEach?.call(this as never, mode);
    },
  });
  await bench.run();
  const result = bench.getTask(name)!.result;
  if (result.state !== 'completed') {
    const reason = result.state === 'errored' ? result.error.message : result.state;
    throw new Error(`${name}: tinybench did not complete: ${reason}`);
  }
  return [...(result.latency.samples ?? [])];
}

/**
 * Lets the event loop turn once. The native allocator hands each cycle's
 * results to JS as external buffers whose memory napi frees in a finalizer that
 * runs on the event loop, not inside GC: a synchronous loop of allocate() calls
 * keeps every cycle's buffers (≈ 200–450 B per offer) until it yields. A master
 * yields between cycles; the benchmarks do the same, outside the timed calls.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Milliseconds taken by `fn`, on the monotonic hrtime clock. */
export function timeMs<T>(fn: () => T): [ms: number, value: T] {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, value];
}

/** Runs a full GC when node was started with --expose-gc (npm run bench does), so one phase's garbage does not land in the next phase's samples. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** Lets pending finalizers (native allocators dropped by JS) run, then collects. */
export async function settle(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
}
