// The operator API's reads answered from GET /state, for a master without
// /api/v1 (older ones, or while an endpoint is not there yet): the same
// shapes, derived in the browser. At scale this is slow — the whole state per
// call — which is why the UI asks /api/v1 first.

import { add, minus, quantities, type Quantities } from './resources.js';
import { TERMINAL_STATES, TASK_STATES, type AgentRow, type ClusterSummary, type MasterState, type Task } from './types.js';

export function summaryOf(state: MasterState): ClusterSummary {
  const agents: ClusterSummary['agents'] = { total: 0, active: 0, unreachable: 0, removed: 0 };
  const total: Quantities = {};
  const used: Quantities = {};
  const offered: Quantities = {};
  for (const a of state.agents) {
    agents.total++;
    agents[a.state] = (agents[a.state] ?? 0) + 1;
    if (a.state !== 'active') continue;
    add(total, quantities(a.total));
    add(used, quantities(a.used));
    add(offered, quantities(a.offered));
  }
  const idle = minus(minus(total, used), offered);
  const byState: Record<string, number> = Object.fromEntries(TASK_STATES.map((s) => [s, 0]));
  for (const t of state.tasks) byState[t.state] = (byState[t.state] ?? 0) + 1;
  const connected = state.frameworks.filter((f) => f.connected).length;
  return {
    id: state.id,
    version: state.version,
    startedAt: state.startedAt,
    grpcAddress: state.grpcAddress,
    httpAddress: state.httpAddress,
    agents,
    frameworks: { total: state.frameworks.length, active: connected, inactive: state.frameworks.length - connected, connected, completed: state.completedFrameworks.length },
    tasks: { total: state.tasks.length, byState, completed: state.completedTasks.length },
    offers: state.offers.length,
    resources: Object.keys(total).map((name) => ({ name, total: total[name] ?? 0, used: used[name] ?? 0, offered: offered[name] ?? 0, idle: idle[name] ?? 0 })),
  };
}

export interface TaskQuery {
  state?: string;
  framework?: string;
  agent?: string;
  q?: string;
  completed?: 'include' | 'exclude' | 'only';
  offset?: number;
  limit?: number;
}

/** /api/v1/tasks semantics: live tasks, then completed ones oldest first. */
export function tasksOf(state: MasterState, query: TaskQuery): { total: number; tasks: Task[] } {
  const states = query.state ? new Set(query.state.split(',').map((s) => s.replace(/^TASK_/, ''))) : undefined;
  const q = query.q?.toLowerCase();
  const keep = (t: Task): boolean =>
    (!states || states.has(t.state)) &&
    (!query.framework || t.frameworkId === query.framework) &&
    (!query.agent || t.agentId === query.agent) &&
    (!q || t.id.toLowerCase().includes(q) || t.name.toLowerCase().includes(q));
  const live = query.completed === 'only' ? [] : state.tasks;
  const done = query.completed === 'exclude' ? [] : state.completedTasks;
  const all = [...live, ...done].filter(keep);
  const offset = query.offset ?? 0;
  return { total: all.length, tasks: all.slice(offset, offset + (query.limit ?? 100)) };
}

export function agentsOf(state: MasterState, query: { state?: string; q?: string; offset?: number; limit?: number }): { total: number; agents: AgentRow[] } {
  const q = query.q?.toLowerCase();
  const counts = new Map<string, number>();
  for (const t of state.tasks) if (!TERMINAL_STATES.has(t.state)) counts.set(t.agentId, (counts.get(t.agentId) ?? 0) + 1);
  const all = state.agents
    .filter((a) => (!query.state || a.state === query.state) && (!q || a.id.toLowerCase().includes(q) || a.hostname.toLowerCase().includes(q)))
    .map((a) => ({ ...a, category: a.state, taskCount: counts.get(a.id) ?? 0 }));
  const offset = query.offset ?? 0;
  return { total: all.length, agents: all.slice(offset, offset + (query.limit ?? 10000)) };
}
