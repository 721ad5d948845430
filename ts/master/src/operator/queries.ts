// The read-only operator calls other than the whole state and the summary:
// frameworks, agents and tasks (filtered, paginated), executors, offers,
// flags, version, health and the leader.

import type { Resource } from '@tessera/allocator';
import { TaskState } from '@tessera/common';

import { COMPLETED_TASKS_KEPT, type Master } from '../master.js';
import type { AgentRecord } from '../model.js';
import { agentState, frameworkState, offerState, offersByAgent, taskState, type AgentState, type FrameworkState, type OfferState, type TaskState as TaskJson } from '../state.js';
import type { TaskRecord } from '../tasks.js';
import type { AgentModes, OperatorAgentState } from './agent-modes.js';
import { liveTaskCount } from './agent-modes.js';
import { AGENT_CATEGORIES, TASK_STATE_NAMES, agentCategory, type AgentCategory } from './summary.js';
import { badRequest, enumParam, idParam, intParam, onlyParams } from './validate.js';

export function frameworks(m: Master): { frameworks: FrameworkState[]; completedFrameworks: FrameworkState[] } {
  return {
    frameworks: [...m.frameworks.values()].map((f) => frameworkState(m, f, false)),
    completedFrameworks: m.completedFrameworks.map((f) => frameworkState(m, f, true)),
  };
}

export interface AgentEntry extends AgentState {
  operatorState: OperatorAgentState;
  category: AgentCategory;
  connected: boolean;
  taskCount: number;
  executorCount: number;
}

export function agentEntry(m: Master, modes: AgentModes, a: AgentRecord, offers = offersByAgent(m)): AgentEntry {
  return {
    ...agentState(m, a, offers),
    operatorState: modes.state(a.id),
    category: agentCategory(a, modes),
    connected: a.stream !== undefined && !a.stream.closed,
    taskCount: liveTaskCount(a),
    executorCount: [...a.executors.values()].filter((e) => !e.freed).length,
  };
}

export const MAX_AGENTS_PAGE = 10_000;

export function agents(m: Master, modes: AgentModes, params: URLSearchParams): { total: number; offset: number; limit: number; agents: AgentEntry[] } {
  onlyParams(params, ['state', 'q', 'offset', 'limit']);
  const category = enumParam(params, 'state', AGENT_CATEGORIES);
  const q = params.get('q')?.toLowerCase() ?? '';
  const offset = intParam(params, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(params, 'limit', MAX_AGENTS_PAGE, 1, MAX_AGENTS_PAGE);
  const page: AgentEntry[] = [];
  let total = 0;
  const offers = offersByAgent(m);
  for (const a of m.agents.values()) {
    if (a.state === 'removed') continue;
    if (category !== undefined && agentCategory(a, modes) !== category) continue;
    if (q !== '' && !a.id.toLowerCase().includes(q) && !a.info.hostname.toLowerCase().includes(q)) continue;
    if (total >= offset && page.length < limit) page.push(agentEntry(m, modes, a, offers));
    total++;
  }
  return { total, offset, limit, agents: page };
}

export const MAX_TASKS_PAGE = 1000;
const COMPLETED_MODES = ['include', 'exclude', 'only'] as const;

function stateFilter(raw: string | null): Set<TaskState> | undefined {
  if (raw === null || raw === '') return undefined;
  const states = new Set<TaskState>();
  for (const part of raw.split(',')) {
    const name = part.trim().toUpperCase().replace(/^TASK_/, '');
    const value = (TaskState as unknown as Record<string, number>)[name];
    if (value === undefined || !TASK_STATE_NAMES.includes(name)) {
      throw badRequest('state', `${JSON.stringify(part)} is not a task state (one of ${TASK_STATE_NAMES.join(', ')})`);
    }
    states.add(value as TaskState);
  }
  return states;
}

/**
 * One page of tasks: live ones (by framework, then launch order), then the
 * completed ones oldest first. A single pass that converts only the page's
 * tasks to JSON, so a page costs little more than counting the matches.
 */
export function tasks(m: Master, params: URLSearchParams): { total: number; offset: number; limit: number; tasks: TaskJson[] } {
  onlyParams(params, ['state', 'framework', 'agent', 'q', 'completed', 'offset', 'limit']);
  const states = stateFilter(params.get('state'));
  const frameworkId = idParam(params, 'framework');
  const agentId = idParam(params, 'agent');
  const q = params.get('q')?.toLowerCase() ?? '';
  const completed = enumParam(params, 'completed', COMPLETED_MODES) ?? 'include';
  const offset = intParam(params, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(params, 'limit', 100, 1, MAX_TASKS_PAGE);

  const page: TaskJson[] = [];
  let total = 0;
  const visit = (t: TaskRecord): void => {
    if (states !== undefined && !states.has(t.state)) return;
    if (frameworkId !== undefined && t.frameworkId !== frameworkId) return;
    if (agentId !== undefined && t.agentId !== agentId) return;
    if (q !== '' && !t.taskId.toLowerCase().includes(q) && !t.info.name.toLowerCase().includes(q)) return;
    if (total >= offset && page.length < limit) page.push(taskState(t));
    total++;
  };
  if (completed !== 'only') {
    // The narrowest table the filters allow: one framework's or one agent's tasks rather than all.
    if (frameworkId !== undefined) {
      for (const t of m.frameworks.get(frameworkId)?.tasks.values() ?? []) visit(t);
    } else if (agentId !== undefined) {
      const byFramework = new Map<string, TaskRecord[]>();
      for (const t of m.agents.get(agentId)?.tasks.values() ?? []) {
        const list = byFramework.get(t.frameworkId) ?? [];
        list.push(t);
        byFramework.set(t.frameworkId, list);
      }
      for (const f of m.frameworks.keys()) for (const t of byFramework.get(f) ?? []) visit(t);
    } else {
      for (const f of m.frameworks.values()) for (const t of f.tasks.values()) visit(t);
    }
  }
  if (completed !== 'exclude') for (const t of m.completedTasks.slice(-COMPLETED_TASKS_KEPT)) visit(t);
  return { total, offset, limit, tasks: page };
}

export interface ExecutorEntry {
  agentId: string;
  frameworkId: string;
  executorId: string;
  role: string;
  resources: Resource[];
  taskCount: number;
}

export function executors(m: Master): { executors: ExecutorEntry[] } {
  const out: ExecutorEntry[] = [];
  for (const a of m.agents.values()) {
    if (a.executors.size === 0) continue;
    const tasksOf = new Map<string, number>();
    for (const t of a.tasks.values()) {
      const key = `${t.frameworkId}\u0000${t.executorId}`;
      tasksOf.set(key, (tasksOf.get(key) ?? 0) + 1);
    }
    for (const [key, e] of a.executors) {
      if (e.freed) continue;
      out.push({ agentId: a.id, frameworkId: e.frameworkId, executorId: e.info.executorId, role: e.role, resources: e.resources, taskCount: tasksOf.get(key) ?? 0 });
    }
  }
  return { executors: out };
}

export function offers(m: Master): { offers: OfferState[] } {
  return { offers: [...m.offers.all()].map(offerState) };
}

/** The options as resolved, without what is code rather than configuration (logger, registry, guard). */
export function flags(m: Master): { flags: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m.options)) {
    if (key === 'logger' || key === 'registry' || key === 'callGuard' || typeof value === 'function' || value === undefined) continue;
    out[key] = value;
  }
  return { flags: JSON.parse(JSON.stringify(out)) as Record<string, unknown> };
}

export function version(m: Master): { version: string; node: string } {
  return { version: m.version, node: process.version };
}

/** As GET /health answers (leadership/http-front.ts); a master that answers this leads (a standby redirects it). */
export function health(m: Master): { ok: true; masterId: string; leading: boolean; elected: boolean; leader: string | null; leaderHttp: string | null } {
  return { ok: true, masterId: m.id, leading: true, elected: m.options.zk !== undefined, leader: m.grpcAddress, leaderHttp: m.httpAddress };
}

export function leader(m: Master): { leading: boolean; leader: { id: string; grpcAddress: string; httpAddress: string } } {
  return { leading: true, leader: { id: m.id, grpcAddress: m.grpcAddress, httpAddress: m.httpAddress } };
}
