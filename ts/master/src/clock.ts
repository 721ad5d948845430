// The master's clocks. Durations and deadlines (allocation wake-ups, the
// allocator's filters, the agent-removal rate limit, the unreachable timeout)
// are measured on the monotonic clock, so a wall-clock step (NTP, an operator's
// `date -s`) neither fires a timeout early nor holds one back. Node's own
// setTimeout/setInterval already run on a monotonic clock; what must not be
// used for them is Date.now(). Wall-clock time stays only where a human or
// another process reads it: timestamps in updates, /state, the registry.

import { performance } from 'node:perf_hooks';

/** Milliseconds on the monotonic clock (arbitrary origin; only differences mean anything). */
export function monotonicNow(): number {
  return performance.now();
}

// setTimeout fires at once for delays past 2^31 - 1 ms (~24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that may wait longer than setTimeout can; unref'd. */
export interface LongTimer {
  cancel(): void;
}

/** Runs `fn` once `ms` monotonic milliseconds from now, in setTimeout-sized steps. */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  const due = monotonicNow() + Math.max(0, ms);
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (): void => {
    const left = due - monotonicNow();
    timer = setTimeout(() => {
      timer = undefined;
      if (cancelled) return;
      if (due - monotonicNow() > 1) arm();
      else fn();
    }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    timer.unref?.();
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
