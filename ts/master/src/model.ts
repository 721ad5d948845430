// The master's in-memory records of frameworks, agents, executors and offers.
// Resource accounting (free, offered, used, filters, shares) is the
// allocator's; these records hold lifecycle and protocol state only.

import type { Attributes, Resource } from '@tessera/allocator';
import type {
  AgentInfo,
  Event,
  ExecutorInfo,
  FrameworkCapability,
  FrameworkInfo,
  MasterMessage,
} from '@tessera/common';

import type { LongTimer } from './clock.js';
import type { SafeStream } from './streams.js';
import type { TaskRecord } from './tasks.js';

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  capabilities: Set<FrameworkCapability>;
  registeredAt: Date;
  /** The current subscription; absent while disconnected. */
  stream?: SafeStream<Event>;
  streamId?: string;
  heartbeat?: NodeJS.Timeout;
  failover?: NodeJS.Timeout;
  /** Live tasks (and terminal ones whose last update is not yet acknowledged), by task id. */
  tasks: Map<string, TaskRecord>;
  /** Outstanding offer ids. */
  offers: Set<string>;
  /** Known only from an agent's re-registration or the registry; no scheduler has subscribed to this master yet. */
  recovered: boolean;
  removedAt?: Date;
}

export function isConnected(f: FrameworkRecord): boolean {
  return f.stream !== undefined && !f.stream.closed;
}

/** 'removed': gone for good (unreachable past agentUnreachableTimeoutSeconds), kept only while the registry records it. */
export type AgentState = 'active' | 'unreachable' | 'removed';

export interface ExecutorRecord {
  frameworkId: string;
  info: ExecutorInfo;
  role: string;
  /** The executor's own resources (allocator form), used until it exits. */
  resources: Resource[];
  freed: boolean;
}

export interface AgentRecord {
  id: string;
  info: AgentInfo;
  resources: Resource[];
  attributes: Attributes;
  state: AgentState;
  registeredAt: Date;
  stream?: SafeStream<MasterMessage>;
  /** Sequence number of the newest ping, and whether it was answered. */
  pingSeq: number;
  pongReceived: boolean;
  missedPings: number;
  pinger?: NodeJS.Timeout;
  /** Runs out when a broken stream is not replaced in time: the agent becomes unreachable. */
  reconnectDeadline?: NodeJS.Timeout;
  /** Tasks on the agent, keyed by taskKey(frameworkId, taskId). */
  tasks: Map<string, TaskRecord>;
  /** Executors, keyed by taskKey(frameworkId, executorId). */
  executors: Map<string, ExecutorRecord>;
  /** Whether the allocator holds the agent. */
  inAllocator: boolean;
  /** Tasks the master declared LOST while the agent was away: killed if the agent comes back with them. */
  killOnReturn: Map<string, { frameworkId: string; taskId: string }>;
  /** Cancels a wait for a removal permit (the agent is due to be marked unreachable, rate-limited). */
  pendingRemoval?: () => void;
  /** Runs out agentUnreachableTimeoutSeconds after the agent became unreachable: then it is gone. */
  goneTimer?: LongTimer;
  /** When it became unreachable (wall clock, for /state and the registry). */
  unreachableAt?: Date;
}

export function taskKey(frameworkId: string, id: string): string {
  return `${frameworkId}\u0000${id}`;
}

export interface OfferRecord {
  id: string;
  allocatorId: number;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
  timeout?: NodeJS.Timeout;
}
