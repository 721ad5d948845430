// The agent-removal rate limit (Mesos' --agent_removal_rate_limit): marking an
// agent unreachable — after missed pings, a stream not replaced in time, or the
// re-registration window after a master restart running out — takes a permit,
// and permits come at most `permits` per `durationMs`, evenly spaced, as
// Mesos' RateLimiter gives them. A network partition or a master failover that
// cuts off many agents at once then turns their tasks LOST/UNREACHABLE a few at
// a time, so frameworks do not reschedule the whole cluster in one go while the
// agents may still come back. An agent that comes back while it waits for its
// permit is not marked at all (the caller cancels).

import { monotonicNow } from './clock.js';

export interface RemovalRate {
  permits: number;
  durationMs: number;
  /** As given ("100/1mins"), for logs. */
  text: string;
}

const UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Parses Mesos' rate syntax: `<permits>/<duration>`, e.g. "100/1mins", "1/10secs", "2/3hrs". */
export function parseRemovalRate(name: string, value: unknown): RemovalRate {
  const fail = (why: string): never => {
    throw new TypeError(`${name}: ${why}; use <permits>/<duration> such as "100/1mins" (units ${Object.keys(UNITS_MS).join(', ')}) (got ${JSON.stringify(value)})`);
  };
  if (typeof value !== 'string') return fail('must be a string');
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(value);
  if (!m) return fail('not a rate');
  const permits = Number(m[1]);
  const amount = Number(m[2]);
  const unit = UNITS_MS[m[3]!];
  if (unit === undefined) return fail(`unknown unit '${m[3]}'`);
  if (!Number.isSafeInteger(permits) || permits < 1) return fail('permits must be a positive integer');
  const durationMs = amount * unit;
  if (!(durationMs > 0) || durationMs > 365 * 86_400_000) return fail('the duration must be more than 0 and at most a year');
  return { permits, durationMs, text: value.trim() };
}

interface Waiter {
  run: () => void;
  cancelled: boolean;
}

/** Hands out removal permits at the configured rate; without a rate, at once. */
export class RemovalLimiter {
  readonly #intervalMs: number;
  /** Monotonic time the next permit may be given. */
  #nextAt = -Infinity;
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(rate: RemovalRate | undefined) {
    this.#intervalMs = rate ? rate.durationMs / rate.permits : 0;
  }

  /** Whether a rate is set (without one every permit is given at once). */
  get limited(): boolean {
    return this.#intervalMs > 0;
  }

  /** How many wait for a permit (for logs and tests). */
  get waiting(): number {
    return this.#queue.filter((w) => !w.cancelled).length;
  }

  /**
   * Runs `run` when a permit is free (synchronously when one is free now and
   * nobody waits). Returns a cancel function: after it, `run` never runs and
   * the permit goes to the next waiter.
   */
  acquire(run: () => void): () => void {
    const waiter: Waiter = { run, cancelled: false };
    if (this.#stopped) return () => undefined;
    if (this.#intervalMs === 0) {
      run();
      return () => undefined;
    }
    this.#queue.push(waiter);
    this.#drain();
    return () => {
      waiter.cancelled = true;
    };
  }

  #drain(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    for (;;) {
      while (this.#queue.length > 0 && this.#queue[0]!.cancelled) this.#queue.shift();
      const head = this.#queue[0];
      if (!head) return;
      const now = monotonicNow();
      if (now < this.#nextAt) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#drain();
        }, Math.ceil(this.#nextAt - now));
        this.#timer.unref?.();
        return;
      }
      this.#queue.shift();
      this.#nextAt = now + this.#intervalMs;
      head.run();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }
}
