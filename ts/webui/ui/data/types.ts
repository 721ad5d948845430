// The master's JSON, as the UI reads it: GET /state (ts/master/src/state.ts
// writes it) and /health. The UI is a client of that contract like any other,
// so it declares the fields it uses here instead of importing master code.

export interface Resource {
  name: string;
  scalar?: number;
  ranges?: Array<[number, number]>;
  reservation?: string;
  revocable?: boolean;
}

export interface Agent {
  id: string;
  hostname: string;
  address: string;
  state: 'active' | 'unreachable' | 'removed' | string;
  registeredAt: string;
  attributes: Array<{ name: string; text?: string; scalar?: number }>;
  total: Resource[];
  used: Resource[];
  offered: Resource[];
}

export interface Framework {
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

export interface TaskStatus {
  state: string;
  timestamp: string;
  message?: string;
  reason?: string;
  source?: string;
  exitCode?: number;
  healthy?: boolean;
}

export interface Task {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  executorId: string;
  role: string;
  state: string;
  resources: Resource[];
  statuses: TaskStatus[];
  labels: Array<{ key: string; value: string }>;
}

export interface Offer {
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
  agents: Agent[];
  frameworks: Framework[];
  completedFrameworks: Framework[];
  tasks: Task[];
  completedTasks: Task[];
  offers: Offer[];
}

/** One role as the allocator reports it (GET /api/v1/roles, when the master has it). */
export interface Role {
  name: string;
  weight: number;
  guarantees: Record<string, number>;
  limits: Record<string, number>;
  allocated: Record<string, number>;
  subtreeAllocated?: Record<string, number>;
  consumedQuota?: Record<string, number>;
  share: number;
  frameworks?: string[];
}

/** A directory entry of a sandbox (the agent's /files/browse). */
export interface SandboxEntry {
  path: string;
  size: number;
  mode: string;
  mtime: string;
  isDir: boolean;
}

/** A chunk of a sandbox file (the agent's /files/read). */
export interface FileChunk {
  data: string;
  offset: number;
  size: number;
}

/** States after which a task never changes (as @tessera/common's TERMINAL_TASK_STATES; UNKNOWN and UNREACHABLE may still run). */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR']);

/** Every task state, in lifecycle order, for filters and the dashboard. */
export const TASK_STATES = ['STAGING', 'STARTING', 'RUNNING', 'KILLING', 'UNREACHABLE', 'UNKNOWN', 'FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR'];

/** GET /api/v1/state/summary: counts only, cheap at any size. */
export interface ClusterSummary {
  id: string;
  version: string;
  startedAt: string;
  grpcAddress: string;
  httpAddress: string;
  leading?: boolean;
  leader?: string | null;
  agents: Record<string, number> & { total: number };
  frameworks: Record<string, number> & { total: number };
  tasks: { total: number; byState: Record<string, number>; completed: number };
  offers: number;
  resources: Array<{ name: string; total: number; used: number; offered: number; idle: number }>;
}

/** A page of a paginated list. */
export interface Paged {
  total: number;
  offset: number;
  limit: number;
}

/** An agent as GET /api/v1/agents lists it: the state's fields and the operator's view. */
export interface AgentRow extends Agent {
  operatorState?: string;
  category?: string;
  connected?: boolean;
  taskCount?: number;
  executorCount?: number;
}

export interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}
