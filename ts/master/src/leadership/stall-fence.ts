// A leader whose process was frozen — SIGSTOP, a paused VM, a stop-the-world
// pause — cannot tell, when it runs again, whether its ZooKeeper session
// outlived the freeze: the servers may have expired it and elected another
// master while it slept. Its ZooKeeper client finds out only after talking to
// a server, and until the contender's 'lost' fires the master would serve the
// calls that queued up in its sockets meanwhile (Node runs I/O callbacks
// before timers after a resume). So the leader holds its calls from the
// moment it notices a stall longer than a quarter of the session timeout (the
// contender's own step-down budget) until ZooKeeper confirms its election
// node still exists; if the session is gone, 'lost' comes instead and the
// master steps down. An ordinary event loop never stalls that long.

import type { Logger } from '@tessera/common';

const TICK_MS = 100;

export class StallFence {
  #lastTick = performance.now();
  #confirmed = true;
  #confirming = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stallMs: number,
    /** Resolves true when ZooKeeper says this master's election node still exists. */
    private readonly confirm: () => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#lastTick = performance.now();
    this.#timer = setInterval(() => {
      this.#check();
      this.#lastTick = performance.now();
    }, TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Whether the leader may act now (checked on every call it serves). */
  get open(): boolean {
    this.#check();
    return this.#confirmed;
  }

  #check(): void {
    const stalled = performance.now() - this.#lastTick;
    if (stalled <= this.stallMs || !this.#confirmed) return;
    this.#confirmed = false;
    this.log.warn({ stalledMs: Math.round(stalled) }, 'the event loop stalled: leadership held until ZooKeeper confirms it');
    void this.#reconfirm();
  }

  async #reconfirm(): Promise<void> {
    if (this.#confirming) return;
    this.#confirming = true;
    try {
      for (let attempt = 0; this.#timer && !this.#confirmed; attempt++) {
        try {
          if (await this.confirm()) {
            this.#lastTick = performance.now();
            this.#confirmed = true;
            this.log.info('leadership confirmed by ZooKeeper after the stall');
            return;
          }
        } catch {
          // no answer yet (reconnecting); the contender reports 'lost' if the session is gone
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    } finally {
      this.#confirming = false;
    }
  }
}
