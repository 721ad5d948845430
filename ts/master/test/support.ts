// Test support for the master's suites: an in-process master on ephemeral
// ports, a raw scheduler (the generated SchedulerServiceClient plus an event
// inbox), and FakeAgent — a TEST DOUBLE that speaks AgentService from a
// script (registers, answers pings, sends status updates) instead of running
// anything. No fixed sleeps: every wait polls for a condition with a deadline.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials, type ClientDuplexStream, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  Operation_Type,
  AcceptRequest,
  AcknowledgeRequest,
  DeclineRequest,
  KillRequest,
  MessageRequest,
  ReconcileRequest,
  ReviveRequest,
  ShutdownRequest,
  SuppressRequest,
  TeardownRequest,
  UpdateFrameworkRequest,
  AgentMessage,
  AgentServiceClient,
  CLIENT_OPTIONS,
  Event,
  FrameworkCapability,
  FrameworkInfo,
  MasterMessage,
  SchedulerServiceClient,
  TaskState,
  TaskStatus,
  TaskStatus_Source,
  newUpdateUuid,
  silentLogger,
  type Executor,
  type Offer,
  type Resource,
  type Task,
} from '@tessera/common';

import { startMaster, type MasterHandle, type MasterOptions } from '../src/index.js';

export const DEADLINE_MS = 5000;

/** A queue of received items; next() takes the first that matches, waiting up to a deadline. */
export class Inbox<T> {
  readonly items: T[] = [];
  #waiters: Array<() => void> = [];
  closed = false;

  push(item: T): void {
    this.items.push(item);
    for (const w of this.#waiters.splice(0)) w();
  }

  close(): void {
    this.closed = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  async next(pred: (item: T) => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.items.findIndex(pred);
      if (i >= 0) return this.items.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** True if no item matching arrives within `ms` (for "nothing happens" checks). */
  async none(pred: (item: T) => boolean, ms: number): Promise<boolean> {
    try {
      await this.next(pred, 'nothing', ms);
      return false;
    } catch {
      return true;
    }
  }
}

/** Polls `check` until it returns true or the deadline passes. */
export async function eventually(check: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TestMaster {
  master: MasterHandle;
  workDir: string;
  stop(): Promise<void>;
}

export async function startTestMaster(options: Partial<MasterOptions> = {}, workDir?: string): Promise<TestMaster> {
  const dir = workDir ?? (await mkdtemp(join(tmpdir(), 'tessera-master-test-')));
  const master = await startMaster({
    port: 0,
    httpPort: 0,
    logger: silentLogger(),
    allocationDelayMs: 1,
    ...options,
    workDir: dir,
  });
  return {
    master,
    workDir: dir,
    async stop() {
      await master.stop();
      if (!workDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

const REQUESTS = {
  teardown: TeardownRequest,
  accept: AcceptRequest,
  decline: DeclineRequest,
  revive: ReviveRequest,
  suppress: SuppressRequest,
  kill: KillRequest,
  shutdown: ShutdownRequest,
  acknowledge: AcknowledgeRequest,
  reconcile: ReconcileRequest,
  message: MessageRequest,
  updateFramework: UpdateFrameworkRequest,
} as const;

type DeepPartial<T> = T extends Buffer | Uint8Array ? T : T extends Array<infer U> ? Array<DeepPartial<U>> : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

type Unary<Req> = (req: Req, cb: (err: ServiceError | null) => void) => unknown;

/** A framework's scheduler over the raw generated client. */
export class TestScheduler {
  readonly client: SchedulerServiceClient;
  readonly events = new Inbox<Event>();
  stream?: ClientReadableStream<Event>;
  frameworkId = '';
  streamId = '';
  ended: ServiceError | null | undefined;

  constructor(address: string, clientOptions: Record<string, number> = {}) {
    this.client = new SchedulerServiceClient(address, credentials.createInsecure(), { ...CLIENT_OPTIONS, ...clientOptions });
  }

  /** Subscribes and waits for SUBSCRIBED; rejects with the call's error. */
  async subscribe(info: Partial<FrameworkInfo> = {}): Promise<Event['subscribed']> {
    const events = this.events;
    this.ended = undefined;
    const stream = this.client.subscribe({ frameworkInfo: FrameworkInfo.create({ name: 'test', user: 'test', ...info }) });
    this.stream = stream;
    // Poll rather than race a pending next(): a losing next() would later swallow an event.
    let failed: ServiceError | undefined;
    stream.on('error', (err: ServiceError) => {
      failed ??= err;
    });
    stream.on('data', (e: Event) => events.push(e));
    stream.on('error', (err: ServiceError) => {
      if (this.stream === stream) this.ended = err;
    });
    stream.on('end', () => {
      if (this.stream === stream && this.ended === undefined) this.ended = null;
    });
    await eventually(() => failed !== undefined || events.items.some((e) => e.subscribed !== undefined), 'SUBSCRIBED');
    if (failed) throw failed;
    const subscribed = await events.next((e) => e.subscribed !== undefined, 'SUBSCRIBED');
    this.frameworkId = subscribed.subscribed!.frameworkId;
    this.streamId = subscribed.subscribed!.streamId;
    return subscribed.subscribed;
  }

  get header(): { frameworkId: string; streamId: string } {
    return { frameworkId: this.frameworkId, streamId: this.streamId };
  }

  /** Calls a unary method with a partial request (completed by its generated fromPartial); resolves to null on OK or the ServiceError. */
  call<M extends keyof typeof REQUESTS>(method: M, request: DeepPartial<ReturnType<(typeof REQUESTS)[M]['create']>>): Promise<ServiceError | null> {
    const full = (REQUESTS[method] as { fromPartial(x: unknown): unknown }).fromPartial(request);
    const fn = (this.client[method] as unknown as Unary<unknown>).bind(this.client);
    return new Promise((resolve) => fn(full, (err) => resolve(err)));
  }

  async offers(what = 'an OFFERS event', timeoutMs?: number): Promise<Offer[]> {
    const e = await this.events.next((x) => x.offers !== undefined, what, timeoutMs);
    return e.offers!.offers;
  }

  async update(state: TaskState, taskId?: string, timeoutMs?: number): Promise<TaskStatus> {
    const e = await this.events.next(
      (x) => x.update?.status?.state === state && (taskId === undefined || x.update.status.taskId === taskId),
      `UPDATE ${TaskState[state]}${taskId ? ` of ${taskId}` : ''}`,
      timeoutMs,
    );
    return e.update!.status!;
  }

  /** Drops the subscription from the client side (as a crashed scheduler would). */
  disconnect(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  close(): void {
    this.disconnect();
    this.client.close();
  }
}

export interface FakeAgentOptions {
  hostname?: string;
  resources?: string;
  /** Answer pings (default true). */
  answerPings?: boolean;
}

/**
 * FakeAgent is a TEST DOUBLE of an agent: it registers over AgentService and
 * records what the master tells it; the test decides every status update.
 */
export class FakeAgent {
  readonly client: AgentServiceClient;
  /**
   * What the master said, with each batched `acknowledgements` message unfolded
   * into one `acknowledge` per entry (as a real agent handles them), so tests
   * about acknowledgements need not care how the master grouped them.
   */
  readonly inbox = new Inbox<MasterMessage>();
  /** What the master said, exactly as it came (batched forms kept). */
  readonly wire = new Inbox<MasterMessage>();
  stream?: ClientDuplexStream<AgentMessage, MasterMessage>;
  id = '';
  answerPings: boolean;

  constructor(address: string, readonly options: FakeAgentOptions = {}) {
    this.client = new AgentServiceClient(address, credentials.createInsecure(), CLIENT_OPTIONS);
    this.answerPings = options.answerPings ?? true;
  }

  #open(): ClientDuplexStream<AgentMessage, MasterMessage> {
    const stream = this.client.connect();
    this.stream = stream;
    stream.on('data', (m: MasterMessage) => {
      if (m.ping && this.answerPings && this.stream === stream) stream.write(AgentMessage.create({ pong: { seq: m.ping.seq } }));
      this.wire.push(m);
      if (m.acknowledgements) for (const acknowledge of m.acknowledgements.acknowledgements) this.inbox.push(MasterMessage.create({ acknowledge }));
      else this.inbox.push(m);
    });
    stream.on('error', () => undefined);
    stream.on('end', () => undefined);
    return stream;
  }

  agentInfo(id = ''): AgentMessage['register'] {
    return {
      agentInfo: {
        id,
        hostname: this.options.hostname ?? 'agent.test',
        address: '127.0.0.1:5051',
        resources: parseWire(this.options.resources ?? 'cpus:4;mem:4096;ports:[31000-31009]'),
        attributes: [{ name: 'rack', text: 'r1' }],
        version: 'test',
      },
    };
  }

  async register(): Promise<string> {
    const stream = this.#open();
    stream.write(AgentMessage.create({ register: this.agentInfo() }));
    const m = await this.inbox.next((x) => x.registered !== undefined || x.refused !== undefined, 'Registered');
    if (m.refused) throw new Error(`refused: ${m.refused.message}`);
    this.id = m.registered!.agentId;
    return this.id;
  }

  async reregister(tasks: Task[] = [], executors: Executor[] = []): Promise<MasterMessage> {
    const stream = this.#open();
    stream.write(AgentMessage.create({ reregister: { agentInfo: this.agentInfo(this.id)!.agentInfo, tasks, executors, frameworks: [] } }));
    return this.inbox.next((x) => x.registered !== undefined || x.refused !== undefined, 'Registered after reregister');
  }

  send(message: Partial<AgentMessage>): void {
    this.stream?.write(AgentMessage.create(message));
  }

  /** Sends a status update of a task with a fresh uuid; returns the uuid. */
  update(frameworkId: string, taskId: string, state: TaskState, extra: Partial<TaskStatus> = {}): Buffer {
    const uuid = newUpdateUuid();
    this.send({
      statusUpdate: {
        frameworkId,
        status: TaskStatus.create({ taskId, state, uuid, source: TaskStatus_Source.EXECUTOR, timestamp: Date.now() / 1000, executorId: taskId, ...extra }),
        latestState: state,
      },
    });
    return uuid;
  }

  /** Ends the stream from the agent's side. */
  hangUp(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  close(): void {
    this.hangUp();
    this.client.close();
  }
}

/** Wire resources from the text form, for test inputs. */
/** Accepts `offerId` with one `sleep 1000` task; resolves with the accept's error (null when accepted). */
export function launchSleep(s: TestScheduler, offerId: string, taskId: string, resources = 'cpus:1;mem:128'): Promise<ServiceError | null> {
  return s.call('accept', {
    header: s.header,
    offerIds: [offerId],
    operations: [{ type: Operation_Type.LAUNCH, launch: { taskInfos: [{ taskId, name: taskId, resources: parseWire(resources), command: { value: 'sleep 1000', shell: true } }] } }],
  });
}

export function parseWire(text: string): Resource[] {
  return text.split(';').map((part) => {
    const m = /^(\w+)(?:\(([^)]+)\))?:(.*)$/.exec(part)!;
    const [, name, reservation = '', value] = m as unknown as [string, string, string | undefined, string];
    if (value.startsWith('[')) {
      const range = value.slice(1, -1).split(',').map((r) => {
        const [b, e] = r.split('-').map(Number);
        return { begin: b!, end: e! };
      });
      return { name, ranges: { range }, reservation, revocable: false };
    }
    return { name, scalar: { value: Number(value) }, reservation, revocable: false };
  });
}

export const PARTITION_AWARE = FrameworkCapability.PARTITION_AWARE;

/** Resolves to the error `fn` rejects with; fails the test if it resolves or the message does not match. */
export async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    const message = (err as Error).message;
    if (!pattern.test(message)) throw new Error(`expected a rejection matching ${pattern}, got: ${message}`);
    return err as Error;
  }
  throw new Error(`expected a rejection matching ${pattern}, but it resolved`);
}
