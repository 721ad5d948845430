// When allocation cycles run. Changes (an agent added, resources recovered, a
// framework revived, ...) call trigger(); the first trigger schedules one cycle
// `delayMs` later and the triggers until then ride along, so a burst of status
// updates costs one cycle, not one each. Filters expire silently inside the
// allocator, so the master also registers each filter's expiry with
// wakeAt(): a timer for the earliest pending expiry triggers a cycle then.
// Expiry times are on the monotonic clock (clock.ts), as the allocator's are.

import { monotonicNow } from './clock.js';

export class AllocationLoop {
  readonly #run: () => void;
  readonly #delayMs: number;
  #pending: NodeJS.Timeout | undefined;
  #wake: NodeJS.Timeout | undefined;
  #wakeAt = Infinity;
  /** Expiry times waiting behind the current wake timer (monotonic ms, monotonicNow()). */
  readonly #later = new Set<number>();
  #stopped = false;

  constructor(run: () => void, delayMs: number) {
    this.#run = run;
    this.#delayMs = delayMs;
  }

  trigger(): void {
    if (this.#stopped || this.#pending !== undefined) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      if (!this.#stopped) this.#run();
    }, this.#delayMs);
  }

  /** Triggers a cycle at `atMs` on the monotonic clock (monotonicNow(); a filter expires then). */
  wakeAt(atMs: number): void {
    if (this.#stopped) return;
    // Round up to 50 ms so a burst of declines shares one timer.
    const at = Math.ceil(atMs / 50) * 50 + 1;
    if (at >= this.#wakeAt) {
      this.#later.add(at);
      return;
    }
    if (this.#wake !== undefined) {
      clearTimeout(this.#wake);
      this.#later.add(this.#wakeAt);
    }
    this.#arm(at);
  }

  #arm(at: number): void {
    this.#wakeAt = at;
    this.#wake = setTimeout(() => {
      this.#wake = undefined;
      this.#wakeAt = Infinity;
      this.trigger();
      const now = monotonicNow();
      let next = Infinity;
      for (const t of this.#later) {
        if (t <= now) this.#later.delete(t);
        else next = Math.min(next, t);
      }
      if (next !== Infinity) {
        this.#later.delete(next);
        this.#arm(next);
      }
    }, Math.max(0, at - monotonicNow()));
    this.#wake.unref?.();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#pending !== undefined) clearTimeout(this.#pending);
    if (this.#wake !== undefined) clearTimeout(this.#wake);
    this.#later.clear();
  }
}
