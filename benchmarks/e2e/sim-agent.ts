// Simulated agents: each a real AgentService.Connect stream to the master that
// registers like an agent, answers every Ping with a Pong, and "runs" each task
// it is sent by reporting RUNNING, then — once the framework has acknowledged
// RUNNING through the master — FINISHED. The agent protocol's rules hold: one
// update per task in flight, in order, resent (same uuid) until acknowledged.
// Nothing is executed; the point is the master's work, not the agent's.
//
// With `batchUpdates`, an agent's updates of one event-loop turn go out as one
// `status_updates` message (the agent protocol's batched form), and it takes
// the master's batched `acknowledgements` as well as single ones.

import { randomBytes } from 'node:crypto';

import { credentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  CLIENT_OPTIONS,
  TaskState,
  TaskStatus_Source,
  type AgentMessage,
  type AgentMessage_StatusUpdate,
  type MasterMessage,
  type MasterMessage_Acknowledge,
  type Resource,
  type TaskInfo,
} from '@tessera/common';

import { Samples } from './samples.js';

// Update uuids: a random 8-byte prefix per load generator and a counter. Unique
// as the agent protocol needs, without a crypto call per update (randomBytes
// was 2.8 % of the load generator's CPU, which competes with the master's).
const UUID_PREFIX = randomBytes(8);
let uuidCounter = 0n;
function nextUuid(): Buffer {
  const uuid = Buffer.allocUnsafe(16);
  UUID_PREFIX.copy(uuid, 0);
  uuid.writeBigUInt64BE(++uuidCounter, 8);
  return uuid;
}

export interface FleetOptions {
  /** The master's gRPC address, host:port. */
  master: string;
  /** What every agent registers with (the proto form). */
  resources: Resource[];
  /** Agents sharing one HTTP/2 connection (a real agent has its own; thousands of sockets cost the load generator more than the master). */
  agentsPerConnection: number;
  /** Resend an unacknowledged update after this long (the agent's backoff start). */
  resendAfterMs: number;
  /** Send the updates an agent has in one event-loop turn as one status_updates message. */
  batchUpdates: boolean;
  /** Called for each task order as it arrives (the launch scenario times accept → RunTask). */
  onRunTask?: (taskId: string, now: number) => void;
}

/** What the fleet counts, for the report and for sanity checks. */
export interface FleetCounters {
  registered: number;
  refused: number;
  disconnects: number;
  runTasks: number;
  updatesSent: number;
  resends: number;
  acks: number;
  /** Acknowledgements for an update not in flight (stale, or a master bug). */
  unexpectedAcks: number;
  kills: number;
  pongs: number;
  /** Stream messages carrying updates (one per update unless batched). */
  updateMessages: number;
  /** Batched acknowledgement messages received from the master. */
  ackBatches: number;
}

interface SimTask {
  frameworkId: string;
  taskId: string;
  executorId: string;
  containerId: string;
  state: TaskState;
  uuid: Buffer;
  sentAt: number;
  /** Wait before the next resend of this update: resendAfterMs, doubling (as the agent's backoff). */
  retryMs: number;
}

type Stream = ClientDuplexStream<AgentMessage, MasterMessage>;

class SimAgent {
  agentId = '';
  lastPingAt = 0;
  closed = false;
  readonly tasks = new Map<string, SimTask>();
  readonly stream: Stream;
  /** Updates waiting for the end of this turn (batchUpdates). */
  queued: AgentMessage_StatusUpdate[] = [];

  constructor(
    readonly index: number,
    readonly fleet: SimAgentFleet,
    client: AgentServiceClient,
  ) {
    this.stream = client.connect();
  }

  send(message: AgentMessage): void {
    if (!this.closed) this.stream.write(message);
  }

  report(task: SimTask, state: TaskState, now: number): void {
    task.state = state;
    task.uuid = nextUuid();
    task.sentAt = now;
    task.retryMs = this.fleet.resendAfterMs;
    this.fleet.counters.updatesSent++;
    this.sendUpdate(task);
  }

  sendUpdate(task: SimTask): void {
    const update = this.update(task);
    if (this.fleet.batchUpdates) {
      if (this.queued.length === 0) this.fleet.flushSoon(this);
      this.queued.push(update);
    } else {
      this.fleet.counters.updateMessages++;
      this.send({ statusUpdate: update });
    }
  }

  /** Sends the updates queued this turn: one message, the single form when there is one. */
  flush(): void {
    const updates = this.queued;
    if (updates.length === 0) return;
    this.queued = [];
    this.fleet.counters.updateMessages++;
    this.send(updates.length === 1 ? { statusUpdate: updates[0]! } : { statusUpdates: { updates } });
  }

  update(task: SimTask): AgentMessage_StatusUpdate {
    return {
        frameworkId: task.frameworkId,
        latestState: task.state,
        status: {
          taskId: task.taskId,
          state: task.state,
          message: '',
          source: TaskStatus_Source.AGENT,
          reason: 0,
          timestamp: Date.now() / 1000,
          agentId: this.agentId,
          executorId: task.executorId,
          uuid: task.uuid,
          containerId: task.containerId,
          data: Buffer.alloc(0),
        },
    };
  }

  run(frameworkId: string, task: TaskInfo, executorId: string, now: number): void {
    this.fleet.counters.runTasks++;
    this.fleet.onRunTask?.(task.taskId, now);
    if (this.tasks.has(task.taskId)) return; // a duplicate order: the update already in flight answers it
    const sim: SimTask = {
      frameworkId,
      taskId: task.taskId,
      executorId,
      containerId: `c-${task.taskId}`,
      state: TaskState.STAGING,
      uuid: Buffer.alloc(0),
      sentAt: now,
      retryMs: 0,
    };
    this.tasks.set(task.taskId, sim);
    this.report(sim, TaskState.RUNNING, now);
  }

  acknowledged(ack: MasterMessage_Acknowledge, now: number): void {
    const task = this.tasks.get(ack.taskId);
    if (!task || !task.uuid.equals(ack.uuid)) {
      this.fleet.counters.unexpectedAcks++;
      return;
    }
    this.fleet.counters.acks++;
    if (task.state === TaskState.RUNNING) this.report(task, TaskState.FINISHED, now);
    else this.tasks.delete(task.taskId); // the terminal update is acknowledged: the task is gone
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
    this.stream.cancel();
  }
}

export class SimAgentFleet {
  readonly counters: FleetCounters = {
    registered: 0,
    refused: 0,
    disconnects: 0,
    runTasks: 0,
    updatesSent: 0,
    resends: 0,
    acks: 0,
    unexpectedAcks: 0,
    kills: 0,
    pongs: 0,
    updateMessages: 0,
    ackBatches: 0,
  };
  /** Gaps between consecutive pings seen by one agent (ms), while recording. */
  readonly pingGaps = new Samples();
  /** Time from Connect to Registered (ms), per agent. */
  readonly registrationMs = new Samples();
  recordPings = false;
  onRunTask: FleetOptions['onRunTask'];

  readonly #options: FleetOptions;
  readonly #clients: AgentServiceClient[] = [];
  readonly #agents: SimAgent[] = [];
  readonly #resendTimer: NodeJS.Timeout;
  /** Agents with updates queued this turn. */
  #flushing: SimAgent[] = [];

  constructor(options: FleetOptions) {
    this.#options = options;
    this.onRunTask = options.onRunTask;
    this.#resendTimer = setInterval(() => this.#resendStale(), Math.max(250, options.resendAfterMs / 2));
  }

  get batchUpdates(): boolean {
    return this.#options.batchUpdates;
  }

  /** Flushes the agent's queued updates when this turn ends. */
  flushSoon(agent: SimAgent): void {
    if (this.#flushing.length === 0) {
      setImmediate(() => {
        const agents = this.#flushing;
        this.#flushing = [];
        for (const a of agents) a.flush();
      });
    }
    this.#flushing.push(agent);
  }

  get resendAfterMs(): number {
    return this.#options.resendAfterMs;
  }

  get size(): number {
    return this.#agents.length;
  }

  /** Tasks the agents hold whose last update is unacknowledged. */
  get tasksInFlight(): number {
    let n = 0;
    for (const a of this.#agents) n += a.tasks.size;
    return n;
  }

  /** The longest an agent has now gone without a ping (ms): catches agents no longer pinged at all. */
  longestSilenceMs(now: number): number {
    let longest = 0;
    for (const a of this.#agents) if (a.lastPingAt > 0) longest = Math.max(longest, now - a.lastPingAt);
    return longest;
  }

  /** Agents that have been registered but never pinged. */
  neverPinged(): number {
    return this.#agents.filter((a) => a.agentId !== '' && a.lastPingAt === 0).length;
  }

  #client(index: number): AgentServiceClient {
    const slot = Math.floor(index / this.#options.agentsPerConnection);
    let client = this.#clients[slot];
    if (!client) {
      // A local subchannel pool gives each client its own HTTP/2 connection
      // (grpc-js would otherwise share one socket among identical channels).
      client = new AgentServiceClient(this.#options.master, credentials.createInsecure(), {
        ...CLIENT_OPTIONS,
        'grpc.use_local_subchannel_pool': 1,
      });
      this.#clients[slot] = client;
    }
    return client;
  }

  /** Opens one agent's stream and registers it; resolves with its id once Registered. */
  register(): Promise<string> {
    const index = this.#agents.length;
    const agent = new SimAgent(index, this, this.#client(index));
    this.#agents.push(agent);
    const started = performance.now();
    return new Promise<string>((resolve, reject) => {
      agent.stream.on('data', (message: MasterMessage) => {
        const now = performance.now();
        if (message.ping) {
          if (this.recordPings && agent.lastPingAt > 0) this.pingGaps.push(now - agent.lastPingAt);
          agent.lastPingAt = now;
          this.counters.pongs++;
          agent.send({ pong: { seq: message.ping.seq } });
        } else if (message.runTask) {
          const { frameworkInfo, task } = message.runTask;
          if (task) {
            // No ExecutorInfo: the command executor, whose id is the task's (as Mesos).
            agent.run(frameworkInfo?.id ?? '', task, task.executor?.executorId || task.taskId, now);
          }
        } else if (message.runTaskGroup) {
          const { frameworkInfo, executor, taskGroup } = message.runTaskGroup;
          for (const task of taskGroup?.tasks ?? []) agent.run(frameworkInfo?.id ?? '', task, executor?.executorId ?? task.taskId, now);
        } else if (message.acknowledge) {
          agent.acknowledged(message.acknowledge, now);
        } else if (message.acknowledgements) {
          this.counters.ackBatches++;
          for (const ack of message.acknowledgements.acknowledgements) agent.acknowledged(ack, now);
        } else if (message.killTask) {
          // Tasks here finish on their own within one round trip; a kill is only counted.
          this.counters.kills++;
        } else if (message.registered) {
          agent.agentId = message.registered.agentId;
          this.counters.registered++;
          this.registrationMs.push(now - started);
          resolve(agent.agentId);
        } else if (message.refused) {
          this.counters.refused++;
          reject(new Error(`agent ${index}: refused: ${message.refused.message}`));
        }
      });
      agent.stream.on('error', (err: ServiceError) => {
        if (!agent.closed) this.counters.disconnects++;
        agent.closed = true;
        reject(new Error(`agent ${index}: stream failed: ${err.details || err.message}`));
      });
      agent.stream.on('end', () => {
        if (!agent.closed) this.counters.disconnects++;
        agent.closed = true;
        reject(new Error(`agent ${index}: the master ended the stream`));
      });
      agent.send({
        register: {
          agentInfo: {
            id: '',
            hostname: `sim-agent-${index}`,
            // Never dialled: simulated agents serve no HTTP. Distinct, and a valid host:port.
            address: `127.0.0.1:${20_000 + (index % 40_000)}`,
            resources: this.#options.resources,
            attributes: [{ name: 'rack', text: `r${index % 40}` }],
            version: 'bench',
          },
        },
      });
    });
  }

  /** Resends (same uuid) each update unacknowledged for its retry delay, then doubles the delay, up to 10 min. */
  #resendStale(): void {
    const now = performance.now();
    for (const agent of this.#agents) {
      if (agent.closed) continue;
      for (const task of agent.tasks.values()) {
        if (now - task.sentAt < task.retryMs) continue;
        task.sentAt = now;
        task.retryMs = Math.min(task.retryMs * 2, 600_000);
        this.counters.resends++;
        agent.sendUpdate(task);
      }
    }
  }

  close(): void {
    clearInterval(this.#resendTimer);
    for (const agent of this.#agents) agent.close();
    for (const client of this.#clients) client.close();
  }
}
