// The registry's JSON form, shared by the file registry (one file) and the
// ZooKeeper registry (one znode per shard): agents and frameworks in their
// protobuf JSON, one per line, so a file or a znode reads well with a pager.

import { AgentInfo, FrameworkInfo } from '@tessera/common';

import type { AgentMode, RegisteredQuota, RegistryState } from './registry.js';

const FORMAT = 1;

export function encode(state: RegistryState): string {
  // One agent or framework per line: readable with a pager, and far cheaper to
  // produce than full indentation for thousands of agents.
  const lines = (items: unknown[]): string => (items.length === 0 ? '[]' : `[\n    ${items.map((i) => JSON.stringify(i)).join(',\n    ')}\n  ]`);
  return [
    '{',
    `  "format": ${FORMAT},`,
    `  "agents": ${lines(state.agents.map((a) => ({ info: AgentInfo.toJSON(a.info), unreachableAt: a.unreachableAt })))},`,
    `  "frameworks": ${lines(state.frameworks.map((f) => FrameworkInfo.toJSON(f)))},`,
    `  "failoverDeadlines": ${JSON.stringify(state.failoverDeadlines)},`,
    `  "weights": ${JSON.stringify(state.weights)},`,
    `  "quotas": ${JSON.stringify(state.quotas)},`,
    `  "agentModes": ${JSON.stringify(state.agentModes)},`,
    `  "removedFrameworks": ${JSON.stringify(state.removedFrameworks)},`,
    `  "removedAgents": ${JSON.stringify(state.removedAgents)}`,
    '}',
    '',
  ].join('\n');
}

export function decode(text: string, where: string): RegistryState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  const r = raw as Partial<Record<string, unknown>>;
  if (r === null || typeof r !== 'object' || r.format !== FORMAT) {
    throw new Error(`${where}: unknown format (expected format ${FORMAT})`);
  }
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return {
    agents: list(r.agents).map((a) => {
      const entry = a as { info?: unknown; unreachableAt?: unknown };
      const out: RegistryState['agents'][number] = { info: AgentInfo.fromJSON(entry.info) };
      if (typeof entry.unreachableAt === 'string') out.unreachableAt = entry.unreachableAt;
      return out;
    }),
    frameworks: list(r.frameworks).map((f) => FrameworkInfo.fromJSON(f)),
    failoverDeadlines: record(r.failoverDeadlines, (v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))),
    weights: record(r.weights, (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0),
    quotas: record(r.quotas, (v): v is RegisteredQuota => v !== null && typeof v === 'object' && !Array.isArray(v)),
    agentModes: record(r.agentModes, (v): v is AgentMode => v === 'deactivated' || v === 'draining'),
    removedFrameworks: list(r.removedFrameworks).filter((x): x is string => typeof x === 'string'),
    removedAgents: list(r.removedAgents).filter((x): x is string => typeof x === 'string'),
  };
}

/** The entries of a JSON object whose values pass `ok` (older registries have none: {}). */
function record<T>(v: unknown, ok: (x: unknown) => x is T): Record<string, T> {
  const out: Record<string, T> = {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (ok(x)) out[k] = x;
  return out;
}
