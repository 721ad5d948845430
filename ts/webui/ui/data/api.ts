// The reads the pages make, each from the operator API (docs/operator-api.md)
// and, where the master has no such endpoint (404), from /state instead.

import { HttpProblem, getJson } from './client.js';
import { agentsOf, summaryOf, tasksOf, type TaskQuery } from './legacy.js';
import type { AgentRow, ClusterSummary, Framework, LogLine, MasterState, Offer, Paged, Role, Task } from './types.js';

export type { TaskQuery } from './legacy.js';

export interface AgentQuery {
  state?: string;
  q?: string;
  offset?: number;
  limit?: number;
}

/** How long one /state answer serves the fallbacks of one refresh, once it has arrived. */
const STATE_REUSE_MS = 500;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class ClusterApi {
  /** Endpoints this master answered 404: asked from /state from then on. */
  readonly missing = new Set<string>();
  #state?: { at?: number; state: Promise<MasterState> };

  /** GET path, or `fallback(state)` when the master has no such endpoint. */
  async #read<T>(endpoint: string, params: string, fallback: (s: MasterState) => T): Promise<T> {
    if (!this.missing.has(endpoint)) {
      try {
        return await getJson<T>(endpoint + params);
      } catch (err) {
        if (!(err instanceof HttpProblem && err.status === 404)) throw err;
        this.missing.add(endpoint);
      }
    }
    return fallback(await this.state());
  }

  /** The whole /state, shared by the calls of one refresh: one fetch in flight at a time, its answer reused for a moment after. */
  state(): Promise<MasterState> {
    const cached = this.#state;
    if (cached && (cached.at === undefined || Date.now() - cached.at < STATE_REUSE_MS)) return cached.state;
    const entry: { at?: number; state: Promise<MasterState> } = { state: getJson<MasterState>('/state') };
    this.#state = entry;
    entry.state.then(
      () => (entry.at = Date.now()),
      () => this.#state === entry && (this.#state = undefined),
    );
    return entry.state;
  }

  summary(): Promise<ClusterSummary> {
    return this.#read('/api/v1/state/summary', '', summaryOf);
  }

  tasks(q: TaskQuery): Promise<Paged & { tasks: Task[] }> {
    const params = query({ ...q });
    return this.#read('/api/v1/tasks', params, (s) => ({ ...tasksOf(s, q), offset: q.offset ?? 0, limit: q.limit ?? 100 }));
  }

  agents(q: AgentQuery): Promise<Paged & { agents: AgentRow[] }> {
    return this.#read('/api/v1/agents', query({ ...q }), (s) => ({ ...agentsOf(s, q), offset: q.offset ?? 0, limit: q.limit ?? 10000 }));
  }

  frameworks(): Promise<{ frameworks: Framework[]; completedFrameworks: Framework[] }> {
    return this.#read('/api/v1/frameworks', '', (s) => ({ frameworks: s.frameworks, completedFrameworks: s.completedFrameworks }));
  }

  offers(): Promise<{ offers: Offer[] }> {
    return this.#read('/api/v1/offers', '', (s) => ({ offers: s.offers }));
  }

  /** The allocator's roles; null when the master cannot tell (no /api/v1/roles). */
  async roles(): Promise<Role[] | null> {
    const body = await this.#read<{ roles: Role[] } | null>('/api/v1/roles', '', () => null);
    return body?.roles ?? null;
  }

  /** The master's log tail; null when the master keeps none. */
  async logs(limit: number): Promise<LogLine[] | null> {
    const body = await this.#read<{ lines: LogLine[] } | null>('/api/v1/logs', query({ limit }), () => null);
    return body?.lines ?? null;
  }
}
