// The cluster as the UI knows it between pages: the summary, the allocator's
// roles, the chart history and the connection's health. Pages subscribe; each
// bump of `changes` tells them to refetch what they show (see useQuery).
//
// Freshness: the master's event stream (/api/v1/events, server-sent events)
// says *that* something changed, and the store refreshes (coalesced, so a
// burst of 1,000 task events costs one refresh); a periodic refresh runs
// anyway, for the charts and as the fallback when there is no stream. Its
// interval grows with the time a refresh takes, so a slow master is not
// asked back to back.

import { ClusterApi } from './api.js';
import { NotLeading, learnMasters, otherLeader } from './client.js';
import { History } from './history.js';
import { TERMINAL_STATES, type ClusterSummary, type Role } from './types.js';

export type ConnectionKind = 'connecting' | 'live' | 'reconnecting' | 'redirecting';

export interface Connection {
  kind: ConnectionKind;
  detail?: string;
  /** Whether the event stream is open (else: periodic refresh only). */
  stream: boolean;
  /** When the last refresh arrived (ms since the epoch). */
  updatedAt?: number;
  /** How long it took. */
  fetchMs?: number;
}

const BASE_INTERVAL_MS = 2000;
const STREAM_INTERVAL_MS = 5000;
const EVENT_COALESCE_MS = 150;
/**
 * Refreshes start at least this far apart, and at least 3× the last one's
 * time: a busy cluster sends events all the time (offers come and go), and
 * the summary costs the master a pass over every task, so the UI must not
 * take more than a fraction of the master's time however fast events come.
 */
const MIN_GAP_MS = 500;
const STREAM_RETRY_MS = 10_000;

export class ClusterStore {
  readonly api = new ClusterApi();
  summary?: ClusterSummary;
  /** The allocator's roles; null when the master does not report them. */
  roles?: Role[] | null;
  readonly history = new History();
  connection: Connection = { kind: 'connecting', stream: false };
  /** Bumped on every change of the store (re-render). */
  version = 0;
  /**
   * Bumped when the cluster may have changed since the last look: each
   * refresh after the first (one follows every burst of events, and the
   * periodic one). Pages refetch what they show when it moves — not when the
   * first summary arrives, which says nothing new about their data.
   */
  changes = 0;
  #refreshed = false;

  #listeners = new Set<() => void>();
  #timer?: ReturnType<typeof setTimeout>;
  #events?: EventSource;
  #streamRetry?: ReturnType<typeof setTimeout>;
  #running = false;
  #inFlight = false;
  #again = false;
  #failures = 0;
  #mastersLearnedAt = -Infinity;
  /** When the last refresh started, and when the next is set to (performance.now() ms). */
  #lastStart = -Infinity;
  #due?: number;

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#openStream();
    void this.refresh();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#streamRetry);
    this.#events?.close();
  }

  /** Refreshes soon (events arriving together cause one refresh, and refreshes keep their distance). */
  refreshSoon(delayMs = EVENT_COALESCE_MS): void {
    if (!this.#running) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    const gap = Math.max(MIN_GAP_MS, 3 * (this.connection.fetchMs ?? 0));
    const wait = Math.max(delayMs, this.#lastStart + gap - performance.now());
    // An earlier refresh already set for sooner stays.
    if (this.#due !== undefined && this.#due <= performance.now() + wait) return;
    clearTimeout(this.#timer);
    this.#due = performance.now() + wait;
    this.#timer = setTimeout(() => void this.refresh(), wait);
  }

  async refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = true;
    clearTimeout(this.#timer);
    this.#due = undefined;
    this.#lastStart = performance.now();
    let next = BASE_INTERVAL_MS;
    try {
      const started = performance.now();
      const [summary, roles] = await Promise.all([this.api.summary(), this.api.roles()]);
      const fetchMs = performance.now() - started;
      this.summary = summary;
      this.roles = roles;
      this.history.add(summary, roles);
      if (this.#refreshed) this.changes++;
      this.#refreshed = true;
      this.#failures = 0;
      // Which masters there are, for when this one dies (at most every 30 s).
      if (performance.now() - this.#mastersLearnedAt > 30_000) {
        this.#mastersLearnedAt = performance.now();
        void learnMasters();
      }
      this.connection = { ...this.connection, kind: 'live', detail: undefined, updatedAt: Date.now(), fetchMs };
      next = Math.max(this.connection.stream ? STREAM_INTERVAL_MS : BASE_INTERVAL_MS, fetchMs * 4);
    } catch (err) {
      next = await this.#failed(err as Error);
    } finally {
      this.#inFlight = false;
    }
    this.#changed();
    if (!this.#running) return;
    if (this.#again) {
      this.#again = false;
      this.refreshSoon();
      return;
    }
    clearTimeout(this.#timer);
    this.#due = performance.now() + next;
    this.#timer = setTimeout(() => void this.refresh(), next);
  }

  /** Decides what a failed refresh means; returns when to try again. */
  async #failed(err: Error): Promise<number> {
    this.#failures++;
    if (err instanceof NotLeading) {
      const leader = await otherLeader();
      if (leader) {
        this.connection = { ...this.connection, kind: 'redirecting', detail: `following the leader to ${leader}` };
        this.#changed();
        this.stop();
        location.replace(`${location.protocol}//${leader}/${location.hash}`);
        return 60_000;
      }
    }
    this.connection = { ...this.connection, kind: 'reconnecting', detail: err.message };
    return Math.min(500 * 2 ** Math.min(this.#failures, 5), 10_000);
  }

  #openStream(): void {
    if (typeof EventSource === 'undefined' || !this.#running) return;
    const events = new EventSource('/api/v1/events?types=task,agent,framework,offer');
    this.#events = events;
    events.onopen = () => {
      this.connection = { ...this.connection, stream: true };
      this.history.tick();
      this.#changed();
    };
    events.addEventListener('summary', (e) => {
      this.summary = JSON.parse((e as MessageEvent<string>).data) as ClusterSummary;
      this.#changed();
    });
    events.addEventListener('task', (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as { kind: string; task?: { state?: string }; status?: { state?: string } };
      if (data.kind === 'launched') this.history.countLaunch();
      else if (data.kind === 'updated' && TERMINAL_STATES.has(data.status?.state ?? data.task?.state ?? '')) this.history.countCompletion();
      this.refreshSoon();
    });
    for (const type of ['agent', 'framework', 'offer']) events.addEventListener(type, () => this.refreshSoon());
    events.onerror = () => {
      if (this.connection.stream) {
        this.connection = { ...this.connection, stream: false };
        // The stream broke: maybe the master died or the leader moved. A refresh finds out.
        this.refreshSoon(0);
      }
      if (events.readyState === EventSource.CLOSED) {
        // No stream here (404), or it ended for good: refresh periodically, and try again later.
        this.#streamRetry = setTimeout(() => this.#openStream(), STREAM_RETRY_MS);
      }
    };
  }

  #changed(): void {
    this.version++;
    for (const l of this.#listeners) l();
  }
}
