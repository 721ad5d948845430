// The master's state as JSON for GET /state (the shape in the cross-package
// contract): camelCase, resources in the allocator's JSON form, task states by
// short name, times as ISO strings.

import type { Resource } from '@tessera/allocator';
import { FrameworkCapability, TaskStatus_Reason, TaskStatus_Source, mergeRanges, type TaskStatus } from '@tessera/common';

import { COMPLETED_TASKS_KEPT, type Master } from './master.js';
import { isConnected, type AgentRecord, type FrameworkRecord, type OfferRecord } from './model.js';
import { sumResources } from './resources.js';
import { isTerminal, stateName, type TaskRecord } from './tasks.js';

export interface AgentState {
  id: string;
  hostname: string;
  address: string;
  state: 'active' | 'unreachable' | 'removed';
  registeredAt: string;
  attributes: Array<{ name: string; text?: string; scalar?: number }>;
  total: Resource[];
  used: Resource[];
  offered: Resource[];
}

export interface FrameworkState {
  id: string;
  name: string;
  user: string;
  principal: string;
  roles: string[];
  capabilities: string[];
  connected: boolean;
  active: boolean;
  registeredAt: string;
  failoverTimeoutSeconds: number;
  taskCount: number;
  offerCount: number;
  used: Resource[];
  offered: Resource[];
}

export interface TaskStatusState {
  state: string;
  timestamp: string;
  message?: string;
  reason?: string;
  source?: string;
  exitCode?: number;
  /** The task's health-check verdict, when it has a health check. */
  healthy?: boolean;
}

export interface TaskState {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  executorId: string;
  role: string;
  state: string;
  resources: Resource[];
  statuses: TaskStatusState[];
  labels: Array<{ key: string; value: string }>;
}

export interface OfferState {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
}

export interface MasterState {
  id: string;
  version: string;
  startedAt: string;
  grpcAddress: string;
  httpAddress: string;
  agents: AgentState[];
  frameworks: FrameworkState[];
  completedFrameworks: FrameworkState[];
  tasks: TaskState[];
  completedTasks: TaskState[];
  offers: OfferState[];
}

/**
 * sumResources for many lists (a framework's 100,000 tasks): one pass adding
 * scalars in thousandths and gathering each kind's ranges, merged once at the
 * end. sumResources itself re-sorts the growing range set per list (quadratic
 * with ports on every task) and builds a key string per resource.
 */
function sumMany(lists: Iterable<readonly Resource[]>): Resource[] {
  const acc = new Map<string, { first: Resource; milli: number; ranges?: Array<[number, number]> }>();
  for (const list of lists) {
    for (const r of list) {
      const key = r.reservation || r.revocable ? `${r.name}\u0000${r.reservation ?? ''}\u0000${r.revocable === true}` : r.name;
      let entry = acc.get(key);
      if (!entry) acc.set(key, (entry = { first: r, milli: 0 }));
      if (r.scalar !== undefined) entry.milli += Math.round(r.scalar * 1000);
      if (r.ranges !== undefined) {
        entry.ranges ??= [];
        for (const range of r.ranges) entry.ranges.push(range);
      }
    }
  }
  const once: Resource[] = [];
  for (const { first, milli, ranges } of acc.values()) {
    const { scalar: _s, ranges: _r, ...base } = first;
    once.push(ranges !== undefined ? { ...base, ranges: mergeRanges(ranges) } : { ...base, scalar: milli / 1000 });
  }
  // One list of one entry per kind: sumResources only drops the empty ones and orders them canonically.
  return sumResources([once]);
}

/** Outstanding offers by agent id, built once for a whole listing (not a scan of every offer per agent). */
export function offersByAgent(m: Master): Map<string, OfferRecord[]> {
  const byAgent = new Map<string, OfferRecord[]>();
  for (const o of m.offers.all()) {
    const list = byAgent.get(o.agentId);
    if (list) list.push(o);
    else byAgent.set(o.agentId, [o]);
  }
  return byAgent;
}

function* heldOn(a: AgentRecord): Generator<Resource[]> {
  for (const t of a.tasks.values()) if (!t.freed) yield t.resources;
  for (const e of a.executors.values()) if (!e.freed) yield e.resources;
}

/**
 * An agent as /state shows it. Used and offered come from the master's own
 * records (tasks and executors not yet freed, outstanding offers), which is
 * what it charged the allocator with: asking the allocator for each agent's
 * view was a quarter of a /state at 10,000 agents.
 */
export function agentState(m: Master, a: AgentRecord, offers: Map<string, OfferRecord[]> = offersByAgent(m)): AgentState {
  let used: Resource[] = [];
  let offered: Resource[] = [];
  if (a.inAllocator) {
    used = sumMany(heldOn(a));
    offered = sumMany((offers.get(a.id) ?? []).map((o) => o.resources));
  }
  return {
    id: a.id,
    hostname: a.info.hostname,
    address: a.info.address,
    state: a.state,
    registeredAt: a.registeredAt.toISOString(),
    attributes: a.info.attributes.map((attr) =>
      attr.text !== undefined ? { name: attr.name, text: attr.text } : { name: attr.name, scalar: attr.scalar?.value ?? 0 },
    ),
    total: a.resources,
    used,
    offered,
  };
}

export function frameworkState(m: Master, f: FrameworkRecord, completed: boolean): FrameworkState {
  const live = [...f.tasks.values()].filter((t) => !t.freed && !isTerminal(t.latestState));
  // The framework's own offer ids, not a scan of every offer per framework (slow with many of both).
  const offers: OfferRecord[] = [];
  for (const id of f.offers) {
    const offer = m.offers.get(id);
    if (offer) offers.push(offer);
  }
  return {
    id: f.id,
    name: f.info.name,
    user: f.info.user,
    principal: f.info.principal,
    roles: f.roles,
    capabilities: [...f.capabilities].map((c) => FrameworkCapability[c] ?? String(c)),
    connected: !completed && isConnected(f),
    active: !completed && isConnected(f),
    registeredAt: f.registeredAt.toISOString(),
    failoverTimeoutSeconds: f.info.failoverTimeout,
    taskCount: f.tasks.size,
    offerCount: offers.length,
    used: sumMany(live.map((t) => t.resources)),
    offered: sumMany(offers.map((o) => o.resources)),
  };
}

export function statusState(s: TaskStatus): TaskStatusState {
  const out: TaskStatusState = { state: stateName(s.state), timestamp: new Date(s.timestamp * 1000).toISOString() };
  if (s.message !== '') out.message = s.message;
  if (s.reason !== TaskStatus_Reason.UNSPECIFIED) out.reason = TaskStatus_Reason[s.reason] ?? String(s.reason);
  if (s.source !== TaskStatus_Source.UNSPECIFIED) out.source = TaskStatus_Source[s.source] ?? String(s.source);
  if (s.exitCode !== undefined) out.exitCode = s.exitCode;
  if (s.healthy !== undefined) out.healthy = s.healthy;
  return out;
}

/** A task without its status history (the operator event stream carries the new status itself). */
export function taskHead(t: TaskRecord): Omit<TaskState, 'statuses'> {
  return {
    id: t.taskId,
    name: t.info.name,
    frameworkId: t.frameworkId,
    agentId: t.agentId,
    executorId: t.executorId,
    role: t.role,
    state: stateName(t.state),
    resources: t.resources,
    labels: (t.info.labels?.labels ?? []).map((l) => ({ key: l.key, value: l.value })),
  };
}

export function taskState(t: TaskRecord): TaskState {
  return { ...taskHead(t), statuses: t.statuses.map(statusState) };
}

export function masterState(m: Master): MasterState {
  const offers = offersByAgent(m);
  return {
    id: m.id,
    version: m.version,
    startedAt: m.startedAt.toISOString(),
    grpcAddress: m.grpcAddress,
    httpAddress: m.httpAddress,
    agents: [...m.agents.values()].map((a) => agentState(m, a, offers)),
    frameworks: [...m.frameworks.values()].map((f) => frameworkState(m, f, false)),
    completedFrameworks: m.completedFrameworks.map((f) => frameworkState(m, f, true)),
    tasks: [...m.frameworks.values()].flatMap((f) => [...f.tasks.values()].map(taskState)),
    completedTasks: m.completedTasks.slice(-COMPLETED_TASKS_KEPT).map(taskState),
    offers: [...m.offers.all()].map(offerState),
  };
}

export function offerState(o: OfferRecord): OfferState {
  return { id: o.id, frameworkId: o.frameworkId, agentId: o.agentId, role: o.role, resources: o.resources };
}

const STATE_BATCH = 1000;

/** The JSON of an array's items (no brackets), a batch at a time: short-lived objects, never the whole array at once. */
export function* itemsJson<T>(items: Iterable<T>, toJson: (item: T) => unknown, batchSize = STATE_BATCH): Generator<string> {
  let batch: unknown[] = [];
  let first = true;
  const flush = (): string => {
    const text = JSON.stringify(batch);
    batch = [];
    const inner = text.slice(1, -1);
    const out = first ? inner : `,${inner}`;
    first = false;
    return out;
  };
  for (const item of items) {
    batch.push(toJson(item));
    if (batch.length === batchSize) yield flush();
  }
  if (batch.length > 0) yield flush();
}

function* allTasks(m: Master): Generator<TaskRecord> {
  for (const f of m.frameworks.values()) yield* f.tasks.values();
}

/**
 * masterState(m) as JSON text, in pieces to write one after the other: the
 * same document, but agents and tasks are converted and serialized a batch
 * at a time. At 100,000 tasks the whole object graph plus one 46 MB string
 * lived long enough to reach the old generation; batches die young. Written
 * without yielding to the event loop, so the document is one consistent
 * snapshot.
 */
export function* masterStateJson(m: Master): Generator<string> {
  const head = { id: m.id, version: m.version, startedAt: m.startedAt.toISOString(), grpcAddress: m.grpcAddress, httpAddress: m.httpAddress };
  yield `${JSON.stringify(head).slice(0, -1)},"agents":[`;
  const offers = offersByAgent(m);
  yield* itemsJson(m.agents.values(), (a) => agentState(m, a, offers));
  yield `],"frameworks":${JSON.stringify([...m.frameworks.values()].map((f) => frameworkState(m, f, false)))}`;
  yield `,"completedFrameworks":${JSON.stringify(m.completedFrameworks.map((f) => frameworkState(m, f, true)))},"tasks":[`;
  yield* itemsJson(allTasks(m), taskState);
  yield '],"completedTasks":[';
  yield* itemsJson(m.completedTasks.slice(-COMPLETED_TASKS_KEPT), taskState);
  yield `],"offers":${JSON.stringify([...m.offers.all()].map(offerState))}}`;
}
