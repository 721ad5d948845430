// A TaskRequest is what a framework wants to run: `count` tasks, each needing
// `resources`. Here it is checked and reduced to per-task quantities, the form
// the allocator's place() takes: scalar amounts, and for a ranges resource
// (ports) the number of values wanted.

import type { ConstraintGroups } from '@tessera/allocator';
import {
  CommandInfo,
  ContainerInfo,
  ExecutorInfo,
  idProblem,
  type KillPolicy,
  type Resource,
} from '@tessera/common';

import type { LabelsLike } from '../labels.js';

export interface TaskRequest {
  /** Task name (default: the task id). */
  name?: string;
  /** Task ids are `${idPrefix}-${firstIndex + i}` (default prefix: name, else 'task'). */
  idPrefix?: string;
  /** First index of the ids (default 0): lets later plans continue a numbering. */
  firstIndex?: number;
  /** How many tasks (default 1). */
  count?: number;
  /** Per task, in the text form 'cpus:0.5;mem:256;ports:2' or as wire resources.
   *  A ranges resource asks for a number of values: 'ports:2' (text), or a
   *  scalar named ports (wire); they are picked from the offer's ranges. */
  resources: string | Resource[];
  command?: Parameters<typeof CommandInfo.fromPartial>[0];
  container?: Parameters<typeof ContainerInfo.fromPartial>[0];
  executor?: Parameters<typeof ExecutorInfo.fromPartial>[0];
  killPolicy?: KillPolicy;
  labels?: LabelsLike;
  /** Agent constraints, in the allocator's form: AND inside a group, OR between groups. */
  constraints?: ConstraintGroups;
  /** At most this many of the request's tasks per agent (per offer group). */
  maxPerAgent?: number;
  /** Allow agents with GPUs although the task asks for none. */
  gpuAware?: boolean;
}

export interface CheckedRequest {
  request: TaskRequest;
  idPrefix: string;
  firstIndex: number;
  count: number;
  /** Per-task quantities by name (ranges names: number of values). */
  quantities: Record<string, number>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkRequest(request: TaskRequest, field: string): CheckedRequest {
  if (request === null || typeof request !== 'object') throw new TypeError(`${field}: must be a TaskRequest object`);
  const count = request.count ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`${field}.count: must be an integer >= 0 (got ${String(count)})`);
  const firstIndex = request.firstIndex ?? 0;
  if (!Number.isInteger(firstIndex) || firstIndex < 0) {
    throw new TypeError(`${field}.firstIndex: must be an integer >= 0 (got ${String(firstIndex)})`);
  }
  if (request.name !== undefined && typeof request.name !== 'string') throw new TypeError(`${field}.name: must be a string`);
  const idPrefix = request.idPrefix ?? (request.name || 'task');
  const problem = idProblem(`${idPrefix}-0`);
  if (problem) throw new TypeError(`${field}.idPrefix: ${problem} (got ${JSON.stringify(idPrefix)})`);
  if (request.maxPerAgent !== undefined && (!Number.isInteger(request.maxPerAgent) || request.maxPerAgent < 1)) {
    throw new TypeError(`${field}.maxPerAgent: must be an integer >= 1 (got ${String(request.maxPerAgent)})`);
  }
  const quantities =
    typeof request.resources === 'string'
      ? fromText(request.resources, `${field}.resources`)
      : fromWire(request.resources, `${field}.resources`);
  if (Object.keys(quantities).length === 0) throw new TypeError(`${field}.resources: must ask for at least one resource`);
  return { request, idPrefix, firstIndex, count, quantities };
}

/** 'cpus:0.5;mem:256;ports:2' -> { cpus: 0.5, mem: 256, ports: 2 }. */
function fromText(text: string, field: string): Record<string, number> {
  const out: Record<string, number> = {};
  text.split(';').forEach((part, index) => {
    const item = part.trim();
    if (item === '') return;
    const here = `${field}[${index}]`;
    const colon = item.indexOf(':');
    if (colon < 0) throw new TypeError(`${here}: must be name:amount (got ${JSON.stringify(item)})`);
    const name = item.slice(0, colon).trim();
    const value = item.slice(colon + 1).trim();
    if (name.includes('(')) {
      throw new TypeError(`${here}: a request names amounts only; the offer's role decides which pool they come from (got ${JSON.stringify(name)})`);
    }
    if (value.startsWith('[')) {
      throw new TypeError(`${here}: ask for a number of values (${name}:2), not for given ranges (got ${JSON.stringify(value)})`);
    }
    add(out, name, Number(value === '' ? NaN : value), here);
  });
  return out;
}

/** Wire resources -> quantities; a ranges resource counts its values. */
function fromWire(resources: Resource[], field: string): Record<string, number> {
  if (!Array.isArray(resources)) throw new TypeError(`${field}: must be a text form or an array of resources`);
  const out: Record<string, number> = {};
  resources.forEach((resource, index) => {
    const here = `${field}[${index}]`;
    if (resource === null || typeof resource !== 'object') throw new TypeError(`${here}: must be a Resource`);
    if (resource.reservation) throw new TypeError(`${here}.reservation: a request names amounts only (got ${JSON.stringify(resource.reservation)})`);
    if (resource.scalar && resource.ranges) throw new TypeError(`${here}: has both scalar and ranges`);
    if (resource.scalar) add(out, resource.name, resource.scalar.value, here);
    else if (resource.ranges) add(out, resource.name, resource.ranges.range.reduce((n, r) => n + Number(r.end) - Number(r.begin) + 1, 0), here);
    else throw new TypeError(`${here}: has neither scalar nor ranges`);
  });
  return out;
}

function add(out: Record<string, number>, name: string, amount: number, field: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`${field}.name: must be 1-64 characters of [A-Za-z0-9_.-] (got ${JSON.stringify(name)})`);
  if (!Number.isFinite(amount) || amount < 0) throw new TypeError(`${field}: ${name} must be a finite amount >= 0 (got ${String(amount)})`);
  if (Math.abs(Math.round(amount * 1000) - amount * 1000) > 1e-6) {
    throw new TypeError(`${field}: ${name} has more than 3 decimal digits (got ${amount})`);
  }
  out[name] = (Math.round((out[name] ?? 0) * 1000) + Math.round(amount * 1000)) / 1000;
}
