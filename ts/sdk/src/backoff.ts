// Exponential backoff for reconnects: initial, doubling to a cap, with up to
// 20% random jitter so many clients of one restarted master do not all
// re-subscribe in the same instant.

export interface BackoffOptions {
  /** First delay in ms (default 250). */
  initialMs?: number;
  /** Largest delay in ms (default 10,000). */
  maxMs?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #next: number;

  constructor(options: BackoffOptions = {}, field = 'reconnect') {
    this.initialMs = positiveMs(`${field}.initialMs`, options.initialMs ?? 250);
    this.maxMs = positiveMs(`${field}.maxMs`, options.maxMs ?? 10_000);
    if (this.maxMs < this.initialMs) {
      throw new TypeError(`${field}.maxMs: must be at least initialMs (${this.initialMs}), got ${this.maxMs}`);
    }
    this.#next = this.initialMs;
  }

  /** The delay to wait now; the one after it doubles, up to maxMs. */
  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.maxMs, this.#next * 2);
    return Math.round(delay * (1 + Math.random() * 0.2));
  }

  /** Back to the initial delay (after a successful connection). */
  reset(): void {
    this.#next = this.initialMs;
  }
}

/** Checks a positive finite duration in milliseconds; the error names the field. */
export function positiveMs(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${field}: must be a finite number of milliseconds above 0 (got ${String(value)})`);
  }
  return value;
}
