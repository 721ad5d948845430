// HealthChecker: probes one task on a schedule and decides what the results
// mean, as Mesos's built-in executors do. It waits `delay`, then probes every
// `interval` (measured from the end of the previous probe, so slow probes
// never overlap), each bounded by `timeout`. Failures within `grace period`
// of the start are ignored until the first success, which ends the grace
// period for good. The listener hears each change of health (the first
// counted result, then every flip) and, after `consecutive failures` failures
// in a row, that the task should be killed; then the checker stops.

import type { Logger } from '@tessera/common';

import type { HealthCheckPlan } from './definition.js';
import type { ProbeResult } from './probes.js';

export interface HealthListener {
  /** Health changed: the first counted result, or a flip. */
  healthChanged(healthy: boolean, detail: string): void;
  /** `failures` consecutive failures outside the grace period: kill the task. */
  failedTooOften(failures: number, detail: string): void;
}

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Aborts a probe under way when the checker stops. */
  private readonly aborter = new AbortController();
  private readonly startedAt: number;
  private healthy: boolean | undefined;
  private passedOnce = false;
  private failures = 0;

  constructor(
    private readonly plan: HealthCheckPlan,
    private readonly probe: (timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>,
    private readonly listener: HealthListener,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  start(): this {
    this.schedule(this.plan.delayMs);
    return this;
  }

  /** No more probes or callbacks; a probe under way is aborted (its processes killed) and unheard. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.aborter.abort();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), ms);
    // The task's container keeps the agent busy, not its checker.
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.probe(this.plan.timeoutMs, this.aborter.signal);
    } catch (err) {
      result = { healthy: false, detail: `probe failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (this.stopped) return;
    if (result.healthy) this.passed(result.detail);
    else if (!this.failed(result.detail)) return; // killed: no more probes
    this.schedule(this.plan.intervalMs);
  }

  private passed(detail: string): void {
    this.passedOnce = true;
    this.failures = 0;
    if (this.healthy !== true) {
      this.healthy = true;
      this.listener.healthChanged(true, detail);
    }
  }

  /** Returns false when the task is to be killed. */
  private failed(detail: string): boolean {
    if (!this.passedOnce && this.now() - this.startedAt < this.plan.gracePeriodMs) {
      this.logger.debug({ detail }, 'health check failed within the grace period: ignored');
      return true;
    }
    this.failures++;
    this.logger.info({ detail, failures: this.failures, limit: this.plan.consecutiveFailures }, 'health check failed');
    if (this.healthy !== false) {
      this.healthy = false;
      this.listener.healthChanged(false, detail);
    }
    if (this.failures < this.plan.consecutiveFailures) return true;
    this.stop();
    this.listener.failedTooOften(this.failures, detail);
    return false;
  }
}
