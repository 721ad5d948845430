// GET /api/v1/state/summary: counts only, cheap at 10,000 agents and
// 100,000 tasks (one pass over the master's records, no allocator calls per
// agent): what a dashboard polls and what the event stream starts with.

import type { Resource } from '@tessera/allocator';
import { TaskState } from '@tessera/common';

import { COMPLETED_TASKS_KEPT, type Master } from '../master.js';
import { isConnected, type AgentRecord } from '../model.js';
import { stateName } from '../tasks.js';
import type { AgentModes } from './agent-modes.js';

export const AGENT_CATEGORIES = ['active', 'deactivated', 'draining', 'drained', 'disconnected', 'unreachable'] as const;
export type AgentCategory = (typeof AGENT_CATEGORIES)[number];

/** Every task state's short name (STAGING, …), in the enum's order. */
export const TASK_STATE_NAMES: readonly string[] = Object.values(TaskState)
  .filter((v): v is number => typeof v === 'number' && v > 0)
  .map((v) => stateName(v as TaskState));

export interface ResourceTotals {
  name: string;
  total: number;
  used: number;
  offered: number;
  idle: number;
}

export interface Summary {
  id: string;
  version: string;
  startedAt: string;
  grpcAddress: string;
  httpAddress: string;
  leading: boolean;
  leader: string | null;
  agents: Record<AgentCategory | 'total', number>;
  frameworks: { total: number; active: number; inactive: number; connected: number; completed: number };
  tasks: { total: number; byState: Record<string, number>; completed: number };
  offers: number;
  resources: ResourceTotals[];
}

/** One category per agent, the first that applies (the order says which matters most to an operator). */
export function agentCategory(a: AgentRecord, modes: AgentModes): AgentCategory {
  if (a.state !== 'active') return 'unreachable';
  if (!a.stream || a.stream.closed) return 'disconnected';
  const mode = modes.state(a.id);
  return mode === 'active' ? 'active' : mode;
}

/** Amount of a resource: its scalar, or how many values its ranges hold (ports). */
export function amountOf(r: Resource): number {
  if (r.scalar !== undefined) return r.scalar;
  let n = 0;
  for (const [b, e] of r.ranges ?? []) n += e - b + 1;
  return n;
}

function add(into: Map<string, number>, resources: readonly Resource[]): void {
  for (const r of resources) into.set(r.name, (into.get(r.name) ?? 0) + amountOf(r));
}

interface Tally {
  total: number;
  byState: Map<TaskState, number>;
  used: Map<string, number>;
}

// One pass over every task serves the task counts and the used resources, and
// it is shared by everything asked within one event-loop turn (a Prometheus
// scrape collects tasks and resources one after the other): at 100,000 tasks
// the pass, not the arithmetic, is what costs (memory reads of scattered records).
// Any change the master reports drops it at once (I/O callbacks of one poll
// phase share a turn: an agent's update and a scrape may come in the same one).
const tallies = new WeakMap<Master, Tally>();
const watched = new WeakSet<Master>();

function tally(m: Master): Tally {
  const cached = tallies.get(m);
  if (cached) return cached;
  if (!watched.has(m)) {
    watched.add(m);
    const drop = () => void tallies.delete(m);
    for (const type of ['task', 'agent', 'framework', 'offer'] as const) m.events.on(type, drop);
  }
  const t: Tally = { total: 0, byState: new Map(), used: new Map() };
  for (const f of m.frameworks.values()) {
    for (const task of f.tasks.values()) {
      t.total++;
      t.byState.set(task.state, (t.byState.get(task.state) ?? 0) + 1);
      if (!task.freed) add(t.used, task.resources);
    }
  }
  for (const a of m.agents.values()) for (const e of a.executors.values()) if (!e.freed) add(t.used, e.resources);
  tallies.set(m, t);
  setImmediate(() => tallies.delete(m));
  return t;
}

/** Total / used / offered / idle per resource name over reachable agents. */
export function resourceTotals(m: Master): ResourceTotals[] {
  const total = new Map<string, number>();
  const offered = new Map<string, number>();
  for (const a of m.agents.values()) if (a.state === 'active') add(total, a.resources);
  const used = tally(m).used;
  for (const o of m.offers.all()) add(offered, o.resources);
  const names = [...new Set([...total.keys(), ...used.keys(), ...offered.keys()])].sort();
  // Thousandths, as the allocator keeps them: float sums of 0.1 cpus drift otherwise.
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return names.map((name) => {
    const t = total.get(name) ?? 0;
    const u = used.get(name) ?? 0;
    const o = offered.get(name) ?? 0;
    return { name, total: round(t), used: round(u), offered: round(o), idle: round(Math.max(0, t - u - o)) };
  });
}

export function tasksByState(m: Master): { total: number; byState: Record<string, number> } {
  const { total, byState: counts } = tally(m);
  const byState: Record<string, number> = {};
  for (const name of TASK_STATE_NAMES) byState[name] = 0;
  for (const [state, n] of counts) byState[stateName(state)] = n;
  return { total, byState };
}

export function agentCounts(m: Master, modes: AgentModes): Record<AgentCategory | 'total', number> {
  const counts = { total: 0, active: 0, deactivated: 0, draining: 0, drained: 0, disconnected: 0, unreachable: 0 };
  for (const a of m.agents.values()) {
    if (a.state === 'removed') continue;
    counts[agentCategory(a, modes)]++;
    counts.total++;
  }
  return counts;
}

export function frameworkCounts(m: Master): Summary['frameworks'] {
  let connected = 0;
  for (const f of m.frameworks.values()) if (isConnected(f)) connected++;
  return {
    total: m.frameworks.size,
    active: connected,
    inactive: m.frameworks.size - connected,
    connected,
    completed: m.completedFrameworks.length,
  };
}

export function summary(m: Master, modes: AgentModes): Summary {
  return {
    id: m.id,
    version: m.version,
    startedAt: m.startedAt.toISOString(),
    grpcAddress: m.grpcAddress,
    httpAddress: m.httpAddress,
    leading: true,
    leader: m.grpcAddress,
    agents: agentCounts(m, modes),
    frameworks: frameworkCounts(m),
    tasks: { ...tasksByState(m), completed: Math.min(m.completedTasks.length, COMPLETED_TASKS_KEPT) },
    offers: [...m.offers.all()].length,
    resources: resourceTotals(m),
  };
}
