// The CLI's view of the master's HTTP API (GET /state; see ts/master's
// README for the whole shape): only the fields the commands print. A master
// that cannot be reached gets an error that says which address was tried and
// how to point the CLI elsewhere.

import { CommandError } from './ui/errors.js';

export interface ResourceJson {
  name: string;
  scalar?: number;
  ranges?: Array<[number, number]>;
  reservation?: string;
  revocable?: boolean;
}

export interface StatusJson {
  state: string;
  timestamp?: string | number;
  message?: string;
  reason?: string;
  source?: string;
  exitCode?: number;
  healthy?: boolean;
}

export interface TaskJson {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  executorId?: string;
  role?: string;
  state: string;
  resources: ResourceJson[];
  statuses?: StatusJson[];
}

export interface AgentJson {
  id: string;
  hostname: string;
  address: string;
  state: string;
  registeredAt?: string;
  total: ResourceJson[];
  used: ResourceJson[];
  offered: ResourceJson[];
}

export interface FrameworkJson {
  id: string;
  name: string;
  roles: string[];
  connected: boolean;
  active: boolean;
  registeredAt?: string;
  taskCount: number;
  offerCount: number;
  used: ResourceJson[];
}

export interface MasterStateJson {
  id: string;
  version?: string;
  grpcAddress?: string;
  httpAddress?: string;
  agents: AgentJson[];
  frameworks: FrameworkJson[];
  completedFrameworks?: FrameworkJson[];
  tasks: TaskJson[];
  completedTasks?: TaskJson[];
}

async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const { cause } = err as { cause?: { code?: string; message?: string } };
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CommandError(
      `cannot reach the master's HTTP API at ${new URL(url).host} (${why}); ` +
        'is a master running? Start one with `tessera dev`, or point at it with --master-http HOST:PORT (env TESSERA_MASTER_HTTP)',
    );
  }
}

export async function getJson<T>(httpAddress: string, path: string): Promise<T> {
  const res = await request(`http://${httpAddress}${path}`);
  if (!res.ok) throw new CommandError(`GET ${path} on ${httpAddress}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function postJson<T>(httpAddress: string, path: string, body: unknown): Promise<T> {
  const res = await request(`http://${httpAddress}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new CommandError(`${path}: ${message} (HTTP ${res.status})`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

export function masterState(httpAddress: string): Promise<MasterStateJson> {
  return getJson<MasterStateJson>(httpAddress, '/state');
}

/** Sum of a scalar resource across entries (reserved and unreserved alike). */
export function scalar(resources: ResourceJson[] | undefined, name: string): number {
  let sum = 0;
  for (const r of resources ?? []) if (r.name === name && typeof r.scalar === 'number') sum += r.scalar;
  return Math.round(sum * 1000) / 1000;
}
