// A framework for the HA scenarios, on the real SDK (SchedulerClient): it
// launches the tasks it is asked to on the offers it gets, and reports every
// event as plain JSON (`FrameworkEvent`) — to the oracle when it runs inside
// the test process, to a file when it runs as its own process
// (framework-process.ts). It acknowledges by itself, after reporting the
// update, unless told to hold acknowledgements; the acknowledgement's answer
// is reported too, so the oracle knows from when on a resend is a fault.

import { parseResources } from '@tessera/allocator';
import { TaskState, TaskStatus_Reason, TaskStatus_Source, createLogger, fromAllocatorResources, type Offer, type TaskStatus } from '@tessera/common';
import { SchedulerClient } from '@tessera/sdk';

export interface FrameworkConfig {
  /** The master's gRPC address(es), or a zk:// URL. */
  master: string | string[];
  name: string;
  /** Subscribe again as this framework (a scheduler failover). */
  id?: string;
  failoverTimeoutSeconds?: number;
  partitionAware?: boolean;
  /** Do not acknowledge until told (ack / ackAll / holdAcks = false). */
  holdAcks?: boolean;
}

export interface TaskSpec {
  taskId: string;
  /** Shell command; default: sleep for 10 minutes. */
  command?: string;
  resources?: string;
  /** Place on the agent with this hostname. */
  agent?: string;
}

/** One update as the framework saw it; uuid as hex ('' for none). */
export interface SeenUpdate {
  taskId: string;
  state: string;
  uuid: string;
  source: string;
  reason: string;
  message: string;
  agentId: string;
  /** Date.now() at receipt. */
  at: number;
}

export type FrameworkEvent =
  | { type: 'subscribed'; frameworkId: string; masterId: string; at: number }
  | { type: 'update'; update: SeenUpdate }
  | { type: 'acked'; taskId: string; uuid: string; at: number }
  | { type: 'ack-failed'; taskId: string; uuid: string; error: string; at: number }
  | { type: 'offers'; agents: string[]; at: number }
  | { type: 'launched'; taskIds: string[]; agentId: string; at: number }
  | { type: 'launch-failed'; taskIds: string[]; error: string; retried: boolean; at: number }
  | { type: 'disconnected'; reason: string; at: number }
  | { type: 'error'; message: string; at: number };

export function toSeen(s: TaskStatus): SeenUpdate {
  return {
    taskId: s.taskId,
    state: TaskState[s.state] ?? String(s.state),
    uuid: Buffer.from(s.uuid ?? []).toString('hex'),
    source: TaskStatus_Source[s.source] ?? String(s.source),
    reason: TaskStatus_Reason[s.reason] ?? String(s.reason),
    message: s.message,
    agentId: s.agentId,
    at: Date.now(),
  };
}

const DEFAULT_RESOURCES = 'cpus:0.1;mem:16';

function scalar(offer: Offer, name: string): number {
  return offer.resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

/** cpus and mem of a task spec ('cpus:0.1;mem:16' form). */
function needs(spec: TaskSpec): { cpus: number; mem: number } {
  const text = spec.resources ?? DEFAULT_RESOURCES;
  const get = (name: string): number => Number(new RegExp(`(?:^|;)${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return { cpus: get('cpus'), mem: get('mem') };
}

export class SdkFramework {
  readonly client: SchedulerClient;
  frameworkId: string | undefined;
  holdAcks: boolean;
  private readonly pending: TaskSpec[] = [];
  private readonly offers = new Map<string, Offer>();
  /** Launch attempts per task id: a failed launch is tried again on later offers, 3 times at most. */
  private readonly attempts = new Map<string, number>();
  /** Updates not yet acknowledged (by uuid hex). */
  private readonly unacked = new Map<string, TaskStatus>();
  readonly done: Promise<void>;

  constructor(
    config: FrameworkConfig,
    private readonly emit: (e: FrameworkEvent) => void,
  ) {
    this.frameworkId = config.id;
    this.holdAcks = config.holdAcks ?? false;
    this.client = new SchedulerClient({
      master: config.master,
      framework: {
        name: config.name,
        ...(config.id ? { id: config.id } : {}),
        failoverTimeoutSeconds: config.failoverTimeoutSeconds ?? 0,
        capabilities: config.partitionAware ? ['PARTITION_AWARE'] : [],
      },
      autoAcknowledge: false,
      reconnect: { initialMs: 100, maxMs: 1000 },
      callTimeoutMs: 20_000,
      // Its reconnect warnings are expected here; TESSERA_TEST_LOG=warn shows them.
      logger: createLogger('sdk', { level: process.env.TESSERA_TEST_LOG ?? 'error' }),
    });
    this.done = this.loop().catch((err: unknown) => this.emit({ type: 'error', message: String(err), at: Date.now() }));
  }

  private async loop(): Promise<void> {
    for await (const event of this.client.events()) {
      switch (event.type) {
        case 'subscribed':
          this.frameworkId = event.frameworkId;
          this.emit({ type: 'subscribed', frameworkId: event.frameworkId, masterId: event.masterId, at: Date.now() });
          break;
        case 'offers':
          for (const o of event.offers) this.offers.set(o.id, o);
          this.emit({ type: 'offers', agents: event.offers.map((o) => o.hostname), at: Date.now() });
          this.place();
          break;
        case 'rescind':
          this.offers.delete(event.offerId);
          break;
        case 'disconnected':
          this.offers.clear();
          this.emit({ type: 'disconnected', reason: event.reason, at: Date.now() });
          break;
        case 'error':
          this.emit({ type: 'error', message: event.message, at: Date.now() });
          break;
        case 'update': {
          const seen = toSeen(event.status);
          this.emit({ type: 'update', update: seen });
          if (seen.uuid) {
            this.unacked.set(seen.uuid, event.status);
            if (!this.holdAcks) this.ack(seen.uuid);
          }
          break;
        }
        default:
          break;
      }
    }
  }

  launch(tasks: TaskSpec[]): void {
    this.pending.push(...tasks);
    this.place();
    // Offers declined earlier are filtered for a second: ask for them now.
    if (this.pending.length > 0) this.client.revive().catch(() => undefined);
  }

  /** Puts pending tasks on held offers: one launch per offer, the rest of the offer left unfiltered. */
  private place(): void {
    const byOffer = new Map<string, TaskSpec[]>();
    const left: TaskSpec[] = [];
    // What is left of each offer's cpus and mem as tasks are put on it.
    const room = new Map([...this.offers.values()].map((o) => [o.id, { cpus: scalar(o, 'cpus'), mem: scalar(o, 'mem') }]));
    for (const spec of this.pending) {
      const need = needs(spec);
      const offer = [...this.offers.values()].find((o) => {
        const r = room.get(o.id)!;
        return (!spec.agent || o.hostname === spec.agent) && r.cpus >= need.cpus - 1e-9 && r.mem >= need.mem;
      });
      if (!offer) {
        left.push(spec);
        continue;
      }
      const r = room.get(offer.id)!;
      r.cpus -= need.cpus;
      r.mem -= need.mem;
      byOffer.set(offer.id, [...(byOffer.get(offer.id) ?? []), spec]);
    }
    this.pending.splice(0, this.pending.length, ...left);
    for (const [offerId, specs] of byOffer) {
      const offer = this.offers.get(offerId)!;
      this.offers.delete(offerId);
      const tasks = specs.map((s) => ({
        name: s.taskId,
        taskId: s.taskId,
        agentId: offer.agentId,
        resources: fromAllocatorResources(parseResources(s.resources ?? DEFAULT_RESOURCES)),
        command: { value: s.command ?? 'sleep 600', shell: true, arguments: [], uris: [], user: '' },
      }));
      for (const s of specs) this.attempts.set(s.taskId, (this.attempts.get(s.taskId) ?? 0) + 1);
      const taskIds = specs.map((s) => s.taskId);
      this.client.launch([offerId], tasks, { refuseSeconds: 0 }).then(
        () => this.emit({ type: 'launched', taskIds, agentId: offer.agentId, at: Date.now() }),
        (err: unknown) => {
          // A stale offer (rescinded, agent gone, a master that went): try
          // these tasks again on the next offers — a few times, since a launch
          // the old master did pass on makes the retry a duplicate.
          const again = specs.filter((s) => (this.attempts.get(s.taskId) ?? 0) < 3);
          this.emit({ type: 'launch-failed', taskIds, error: String(err), retried: again.length > 0, at: Date.now() });
          if (again.length) this.launch(again);
        },
      );
    }
    // Offers nothing needs go back, so other frameworks get them (held ones
    // would starve them); a short filter keeps them from bouncing straight back.
    if (this.pending.length === 0 && this.offers.size > 0) {
      const ids = [...this.offers.keys()];
      this.offers.clear();
      this.client.decline(ids, { refuseSeconds: 1 }).catch(() => undefined);
    }
  }

  ack(uuid: string): void {
    const status = this.unacked.get(uuid);
    if (!status) return;
    this.unacked.delete(uuid);
    this.client.acknowledge(status).then(
      () => this.emit({ type: 'acked', taskId: status.taskId, uuid, at: Date.now() }),
      (err: unknown) => this.emit({ type: 'ack-failed', taskId: status.taskId, uuid, error: String(err), at: Date.now() }),
    );
  }

  ackAll(): void {
    for (const uuid of [...this.unacked.keys()]) this.ack(uuid);
  }

  setHoldAcks(hold: boolean): void {
    this.holdAcks = hold;
    if (!hold) this.ackAll();
  }

  /** Explicit reconciliation of these tasks (by id, or with the agent they are on); none: implicit. */
  reconcile(tasks: Array<string | { taskId: string; agentId: string }> = []): Promise<void> {
    return this.client.reconcile(tasks.map((t) => (typeof t === 'string' ? { taskId: t } : t)));
  }

  kill(taskId: string): Promise<void> {
    return this.client.kill(taskId);
  }

  close(): void {
    this.client.close();
  }
}
