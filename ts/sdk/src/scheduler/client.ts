// SchedulerClient: a framework's connection to the master. It keeps one
// Subscribe stream open (re-subscribing with the framework id, with backoff,
// following leader redirects), yields the stream's events to one consumer, and
// makes the unary calls with the current framework id and stream id.
//
//   subscribe() ──► Subscribe stream ──data──► EventQueue ──► events() consumer
//        ▲                │ end / error / no heartbeat          │ (autoAcknowledge
//        └── backoff ◄────┘ 'disconnected'                      ▼  after each update)
//   accept/decline/... ── wait for a subscription ──► unary call with CallHeader

import { Metadata, credentials, status, type ChannelOptions, type ClientReadableStream, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  CLIENT_OPTIONS,
  ExecutorInfo,
  FrameworkInfo,
  Operation,
  TaskInfo,
  Operation_Type,
  SchedulerServiceClient,
  checkId,
  createLogger,
  statusName,
  type AcceptRequest,
  type AcknowledgeManyRequest,
  type AcknowledgeManyResponse,
  type AcknowledgeRequest,
  type CallHeader,
  type DeclineRequest,
  type KillRequest,
  type MessageRequest,
  type ReconcileRequest,
  type ReviveRequest,
  type ShutdownRequest,
  type SuppressRequest,
  type TeardownRequest,
  type UpdateFrameworkRequest,
  type CallResponse,
  type Event,
  type Filters,
  type KillPolicy,
  type Logger,
  type TaskStatus,
} from '@tessera/common';

import { checkAddresses } from '../address.js';
import { Backoff, positiveMs, type BackoffOptions } from '../backoff.js';
import { SchedulerCallError, detailsOf, isRetryable, leaderOf, toSchedulerCallError } from '../errors.js';
import { EventQueue } from '../event-queue.js';
import { AcknowledgementBatcher } from './acknowledgements.js';
import { checkChannelOptions } from './channel-options.js';
import { fromWireEvent, type SchedulerEvent } from './events.js';
import { toFrameworkInfo, type FrameworkOptions } from './framework.js';
import { DetectedMasters, MasterList, type Masters } from './masters.js';
import { parseZkUrl } from '@tessera/ha/url';

export interface SchedulerClientOptions {
  /** The master's gRPC address "host:port", or several (tried in turn), or zk://host:port,…/path (the leader ZooKeeper names). */
  master: string | string[];
  framework: FrameworkOptions;
  /** Acknowledge each update with a uuid once the consumer has taken it (default true). */
  autoAcknowledge?: boolean;
  /** Re-subscription backoff (default 250 ms doubling to 10 s). */
  reconnect?: BackoffOptions;
  logger?: Logger;
  /** How long a call may wait for a subscription plus its answer (default 10 s). */
  callTimeoutMs?: number;
  /**
   * grpc-js channel options over the SDK's (CLIENT_OPTIONS). By default each
   * client has its own connection ('grpc.use_local_subchannel_pool': 1): two
   * frameworks in one process would otherwise share one HTTP/2 socket, and
   * its single writer becomes their bottleneck. Pass
   * { 'grpc.use_local_subchannel_pool': 0 } to share.
   */
  channelOptions?: ChannelOptions;
}

/** A TaskInfo with any fields left out (they take their proto defaults). */
export type TaskInfoLike = Parameters<typeof TaskInfo.fromPartial>[0] & { taskId: string };
export type ExecutorInfoLike = Parameters<typeof ExecutorInfo.fromPartial>[0];
export type OperationLike = Parameters<typeof Operation.fromPartial>[0];

export interface OfferFilters {
  /** Do not offer the refused resources again for this long (master default 5 s). */
  refuseSeconds?: number;
}

export interface ReconcileTask {
  taskId: string;
  agentId?: string;
}

/** How many missed heartbeat intervals mean the stream is dead. */
const MISSED_HEARTBEATS = 3;

interface Connection {
  readonly address: string;
  readonly stream: ClientReadableStream<Event>;
  ended: boolean;
}

interface Waiter {
  resolve(header: CallHeader): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type Unary<Req, Res = CallResponse> = (
  client: SchedulerServiceClient,
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export class SchedulerClient {
  readonly #masters: Masters;
  readonly #autoAcknowledge: boolean;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #callTimeoutMs: number;
  readonly #queue = new EventQueue<SchedulerEvent>();
  readonly #channels = new Map<string, SchedulerServiceClient>();
  readonly #waiters = new Set<Waiter>();
  /** Automatic acknowledgements on their way, so teardown() lets them land first. */
  readonly #acknowledging = new Set<Promise<void>>();
  /** Acknowledgements of one event-loop turn, sent as one AcknowledgeMany. */
  readonly #acknowledgements: AcknowledgementBatcher;
  readonly #channelOptions: ChannelOptions;
  #framework: FrameworkInfo;
  #started = false;
  #closed = false;
  /** teardown() asked for the ERROR that ends the stream: not worth an error log. */
  #tearingDown = false;
  #consumed = false;
  /** Leader redirects followed since the last SUBSCRIBED: only the first is immediate. */
  #redirects = 0;
  #connection: Connection | undefined;
  #streamId = '';
  #heartbeatMs = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: SchedulerClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('SchedulerClient options: must be an object');
    this.#masters = this.#mastersFrom(options.master);
    this.#framework = toFrameworkInfo(options.framework, 'SchedulerClient options.framework');
    this.#autoAcknowledge = options.autoAcknowledge ?? true;
    this.#backoff = new Backoff(options.reconnect, 'SchedulerClient options.reconnect');
    this.#callTimeoutMs = positiveMs('SchedulerClient options.callTimeoutMs', options.callTimeoutMs ?? 10_000);
    this.#channelOptions = {
      ...CLIENT_OPTIONS,
      'grpc.use_local_subchannel_pool': 1,
      ...checkChannelOptions('SchedulerClient options.channelOptions', options.channelOptions),
    };
    this.#acknowledgements = new AcknowledgementBatcher(
      async (acknowledgements) => {
        const response = await this.#callFor<AcknowledgeManyRequest, AcknowledgeManyResponse>(
          'acknowledge',
          (c, r, m, o, cb) => c.acknowledgeMany(r, m, o, cb),
          (header) => ({ header, acknowledgements }),
        );
        return response.errors;
      },
      (a) =>
        this.#call<AcknowledgeRequest>('acknowledge', (c, r, m, o, cb) => c.acknowledge(r, m, o, cb), (header) => ({ header, ...a })),
    );
    // Logs go to stderr so a framework's own stdout stays its own.
    this.#log =
      options.logger ??
      createLogger('sdk.scheduler', { level: process.env.TESSERA_LOG_LEVEL ?? 'warn', destination: process.stderr });
  }

  /** The framework id, once the master has given one (or the one passed in). */
  get frameworkId(): string | undefined {
    return this.#framework.id === '' ? undefined : this.#framework.id;
  }

  /** The current stream id; undefined while not subscribed. */
  get streamId(): string | undefined {
    return this.#streamId === '' ? undefined : this.#streamId;
  }

  /** Starts subscribing (events() does so too). Idempotent. */
  subscribe(): void {
    if (this.#closed) throw new SchedulerCallError(status.CANCELLED, 'subscribe: the client is closed');
    if (this.#started) return;
    this.#started = true;
    this.#connect();
  }

  /** The events, for one consumer. Ends after close() or a fatal 'error'. */
  events(): AsyncIterable<SchedulerEvent> {
    if (this.#consumed) throw new Error('SchedulerClient.events(): already consumed (one consumer only)');
    this.#consumed = true;
    if (!this.#closed) this.subscribe();
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<SchedulerEvent> {
    for (;;) {
      const next = await this.#queue.next();
      if (next.done) return;
      const event = next.value;
      try {
        yield event;
      } finally {
        // After the consumer has taken the update (or stopped iterating on it):
        // at-least-once delivery means acknowledging only what was handed over.
        if (this.#autoAcknowledge && event.type === 'update' && event.status.uuid.length > 0) {
          const ack = this.acknowledge(event.status)
            .catch((err: unknown) => {
              this.#log.warn({ err: String(err), taskId: event.status.taskId }, 'automatic acknowledgement failed');
            })
            .finally(() => this.#acknowledging.delete(ack));
          this.#acknowledging.add(ack);
        }
      }
    }
  }

  // ---- calls -------------------------------------------------------------

  /** Accepts offers (of one agent and role) with operations. */
  async accept(offerIds: string[], operations: OperationLike[], filters?: OfferFilters): Promise<void> {
    const ids = checkOfferIds('accept.offerIds', offerIds);
    if (!Array.isArray(operations)) throw new TypeError('accept.operations: must be an array');
    const ops = operations.map((op, i) => {
      if (op === null || typeof op !== 'object') throw new TypeError(`accept.operations[${i}]: must be an Operation`);
      return Operation.fromPartial(op);
    });
    const wireFilters = toFilters('accept.filters', filters);
    await this.#call<AcceptRequest>('accept', (c, r, m, o, cb) => c.accept(r, m, o, cb), (header) => ({
      header,
      offerIds: ids,
      operations: ops,
      filters: wireFilters,
    }));
  }

  /** Accepts offers with one LAUNCH of these tasks. */
  async launch(offerIds: string[], tasks: TaskInfoLike[], filters?: OfferFilters): Promise<void> {
    const taskInfos = checkTasks('launch.tasks', tasks);
    await this.accept(offerIds, [{ type: Operation_Type.LAUNCH, launch: { taskInfos } }], filters);
  }

  /** Accepts offers with one LAUNCH_GROUP: the tasks run together under `executor`. */
  async launchGroup(offerIds: string[], executor: ExecutorInfoLike, tasks: TaskInfoLike[], filters?: OfferFilters): Promise<void> {
    const taskInfos = checkTasks('launchGroup.tasks', tasks);
    if (executor === null || typeof executor !== 'object') throw new TypeError('launchGroup.executor: must be an ExecutorInfo');
    await this.accept(
      offerIds,
      [{ type: Operation_Type.LAUNCH_GROUP, launchGroup: { executor: ExecutorInfo.fromPartial(executor), taskGroup: { tasks: taskInfos } } }],
      filters,
    );
  }

  async decline(offerIds: string[], filters?: OfferFilters): Promise<void> {
    const ids = checkOfferIds('decline.offerIds', offerIds);
    const wireFilters = toFilters('decline.filters', filters);
    await this.#call<DeclineRequest>('decline', (c, r, m, o, cb) => c.decline(r, m, o, cb), (header) => ({
      header,
      offerIds: ids,
      filters: wireFilters,
    }));
  }

  /** Unsuppresses the roles (all when none) and clears their filters. */
  async revive(roles: string[] = []): Promise<void> {
    const list = checkStrings('revive.roles', roles);
    await this.#call<ReviveRequest>('revive', (c, r, m, o, cb) => c.revive(r, m, o, cb), (header) => ({ header, roles: list }));
  }

  /** Stops offers for the roles (all when none) until revive(). */
  async suppress(roles: string[] = []): Promise<void> {
    const list = checkStrings('suppress.roles', roles);
    await this.#call<SuppressRequest>('suppress', (c, r, m, o, cb) => c.suppress(r, m, o, cb), (header) => ({ header, roles: list }));
  }

  async kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<void> {
    checkId('kill.taskId', taskId);
    if (agentId !== undefined) checkId('kill.agentId', agentId);
    if (killPolicy !== undefined) checkGrace('kill.killPolicy.gracePeriodSeconds', killPolicy.gracePeriodSeconds);
    await this.#call<KillRequest>('kill', (c, r, m, o, cb) => c.kill(r, m, o, cb), (header) => ({
      header,
      taskId,
      agentId: agentId ?? '',
      killPolicy,
    }));
  }

  /** Shuts an executor down, with its tasks. */
  async shutdown(executorId: string, agentId: string): Promise<void> {
    checkId('shutdown.executorId', executorId);
    checkId('shutdown.agentId', agentId);
    await this.#call<ShutdownRequest>('shutdown', (c, r, m, o, cb) => c.shutdown(r, m, o, cb), (header) => ({ header, executorId, agentId }));
  }

  /** Acknowledges an update (agent id, task id and uuid come from the status). */
  async acknowledge(taskStatus: TaskStatus): Promise<void> {
    if (taskStatus === null || typeof taskStatus !== 'object') throw new TypeError('acknowledge.status: must be a TaskStatus');
    checkId('acknowledge.status.taskId', taskStatus.taskId);
    checkId('acknowledge.status.agentId', taskStatus.agentId);
    if (!(taskStatus.uuid instanceof Uint8Array) || taskStatus.uuid.length === 0) {
      throw new TypeError('acknowledge.status.uuid: empty; this update needs no acknowledgement');
    }
    // Coalesced with the other acknowledgements of this event-loop turn.
    await this.#acknowledgements.add({ agentId: taskStatus.agentId, taskId: taskStatus.taskId, uuid: Buffer.from(taskStatus.uuid) });
  }

  /** Asks for the latest state of these tasks, or of all the framework's tasks (none named). */
  async reconcile(tasks: ReconcileTask[] = []): Promise<void> {
    if (!Array.isArray(tasks)) throw new TypeError('reconcile.tasks: must be an array');
    const list = tasks.map((t, i) => {
      checkId(`reconcile.tasks[${i}].taskId`, t?.taskId);
      if (t.agentId !== undefined) checkId(`reconcile.tasks[${i}].agentId`, t.agentId);
      return { taskId: t.taskId, agentId: t.agentId ?? '' };
    });
    await this.#call<ReconcileRequest>('reconcile', (c, r, m, o, cb) => c.reconcile(r, m, o, cb), (header) => ({ header, tasks: list }));
  }

  /** Sends opaque data to an executor. */
  async message(agentId: string, executorId: string, data: Uint8Array | string): Promise<void> {
    checkId('message.agentId', agentId);
    checkId('message.executorId', executorId);
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError('message.data: must be a Buffer, Uint8Array or string');
    }
    const bytes = Buffer.from(data);
    await this.#call<MessageRequest>('message', (c, r, m, o, cb) => c.message(r, m, o, cb), (header) => ({
      header,
      agentId,
      executorId,
      data: bytes,
    }));
  }

  /** Changes the framework's info; later re-subscriptions carry the new info. */
  async updateFramework(info: FrameworkOptions): Promise<void> {
    const next = toFrameworkInfo({ ...info, id: this.#framework.id || info.id }, 'updateFramework.info');
    await this.#call<UpdateFrameworkRequest>('updateFramework', (c, r, m, o, cb) => c.updateFramework(r, m, o, cb), (header) => ({
      header,
      frameworkInfo: { ...next, id: header.frameworkId },
    }));
    this.#framework = FrameworkInfo.create({ ...next, id: this.#framework.id });
  }

  /** Removes the framework (its tasks are killed), then closes the client.
   *  Automatic acknowledgements already on their way are let through first. */
  async teardown(): Promise<void> {
    await Promise.allSettled([...this.#acknowledging]);
    this.#tearingDown = true;
    try {
      await this.#call<TeardownRequest>('teardown', (c, r, m, o, cb) => c.teardown(r, m, o, cb), (header) => ({ header }));
    } finally {
      this.close();
    }
  }

  /** Ends the stream and the events; pending calls fail with CANCELLED. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimers();
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) {
      connection.ended = true;
      connection.stream.cancel();
    }
    this.#streamId = '';
    this.#rejectWaiters(new SchedulerCallError(status.CANCELLED, 'the scheduler client is closed'));
    this.#queue.end();
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    this.#masters.close();
  }

  /**
   * ZooKeeper names a new leader: a subscription to another master ends (a
   * frozen leader keeps its stream open but silent until the heartbeat
   * watchdog gives up, many seconds later), and a retry waiting out a backoff
   * grown against the old one goes now.
   */
  #leaderChanged(): void {
    if (this.#closed) return;
    this.#backoff.reset();
    this.#redirects = 0;
    const connection = this.#connection;
    const leader = this.#masters.current();
    if (connection && !connection.ended && leader !== undefined && connection.address !== leader) {
      this.#onStreamEnd(connection, `ZooKeeper names another leading master (${leader})`);
      connection.stream.cancel();
      return;
    }
    if (this.#retry) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
      this.#connect();
    }
  }

  #mastersFrom(master: unknown): Masters {
    if (typeof master === 'string' && master.startsWith('zk://')) {
      parseZkUrl(master, 'SchedulerClient options.master'); // a TypeError naming the field
      return new DetectedMasters(
        master,
        (err) => this.#log.warn({ err }, 'zookeeper: cannot detect the leading master yet'),
        () => this.#leaderChanged(),
      );
    }
    return new MasterList(checkAddresses('SchedulerClient options.master', master));
  }

  async #call<Req>(name: string, invoke: Unary<Req>, build: (header: CallHeader) => Req): Promise<void> {
    await this.#callFor<Req, CallResponse>(name, invoke, build);
  }

  async #callFor<Req, Res>(name: string, invoke: Unary<Req, Res>, build: (header: CallHeader) => Req): Promise<Res> {
    const deadline = Date.now() + this.#callTimeoutMs;
    const header = await this.#whenSubscribed(name, deadline);
    const address = this.#connection?.address ?? this.#masters.current();
    if (address === undefined) throw new SchedulerCallError(status.UNAVAILABLE, `${name}: no leading master is known yet`);
    const client = this.#channel(address);
    return new Promise<Res>((resolve, reject) => {
      invoke(client, build(header), new Metadata(), { deadline }, (err, response) => {
        if (!err) return resolve(response);
        const error = toSchedulerCallError(name, err);
        // The stream will fail the same way; remember where the leader is.
        if (error.leader) this.#masters.follow(error.leader);
        reject(error);
      });
    });
  }

  /** The current CallHeader, waiting (until `deadline`) while re-subscribing. */
  #whenSubscribed(call: string, deadline: number): Promise<CallHeader> {
    if (this.#closed) return Promise.reject(new SchedulerCallError(status.CANCELLED, `${call}: the scheduler client is closed`));
    this.subscribe();
    if (this.#streamId !== '') return Promise.resolve(this.#header());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(
            new SchedulerCallError(
              status.DEADLINE_EXCEEDED,
              `${call}: not subscribed to a master within ${this.#callTimeoutMs} ms`,
            ),
          );
        }, Math.max(0, deadline - Date.now())),
      };
      this.#waiters.add(waiter);
    });
  }

  #header(): CallHeader {
    return { frameworkId: this.#framework.id, streamId: this.#streamId };
  }

  #rejectWaiters(err: Error): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.#waiters.clear();
  }

  // ---- the subscription ---------------------------------------------------

  #channel(address: string): SchedulerServiceClient {
    let channel = this.#channels.get(address);
    if (!channel) {
      channel = new SchedulerServiceClient(address, credentials.createInsecure(), this.#channelOptions);
      this.#channels.set(address, channel);
    }
    return channel;
  }

  #connect(): void {
    this.#retry = undefined;
    if (this.#closed) return;
    const address = this.#masters.current();
    if (address === undefined) {
      // ZooKeeper names no leader (yet): subscribe as soon as it does.
      this.#log.info('waiting for ZooKeeper to name a leading master');
      void this.#masters.whenKnown().then(() => {
        if (!this.#retry && !this.#connection) this.#connect();
      });
      return;
    }
    this.#log.debug({ address, frameworkId: this.#framework.id }, 'subscribing');
    const stream = this.#channel(address).subscribe({ frameworkInfo: this.#framework });
    const connection: Connection = { address, stream, ended: false };
    this.#connection = connection;
    stream.on('data', (event: Event) => {
      if (!connection.ended) this.#onEvent(connection, event);
    });
    // grpc-js emits 'error' (with the status and its trailing metadata) and
    // 'end' in either order: decide once both had their turn, and let
    // messages that arrived just before the status be delivered first.
    let error: ServiceError | undefined;
    let scheduled = false;
    const finish = (): void => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() =>
        this.#onStreamEnd(
          connection,
          error ? `${statusName(error.code)}: ${detailsOf(error)}` : 'the master ended the stream',
          error,
        ),
      );
    };
    stream.on('end', finish);
    stream.on('error', (err: ServiceError) => {
      error = err;
      finish();
    });
    // A master that takes the stream but never says SUBSCRIBED is as good as
    // down; the first event replaces this with the heartbeat watchdog.
    this.#watchdog = setTimeout(() => {
      this.#onStreamEnd(connection, `no SUBSCRIBED within ${this.#callTimeoutMs} ms`);
      stream.cancel();
    }, this.#callTimeoutMs);
  }

  #onEvent(connection: Connection, wire: Event): void {
    const event = fromWireEvent(wire);
    this.#armWatchdog(connection);
    if (!event) {
      this.#log.debug('ignoring an event of a kind this client does not know');
      return;
    }
    if (event.type === 'subscribed') {
      this.#framework.id = event.frameworkId;
      this.#streamId = event.streamId;
      this.#heartbeatMs = event.heartbeatIntervalSeconds > 0 ? event.heartbeatIntervalSeconds * 1000 : 0;
      this.#backoff.reset();
      this.#redirects = 0;
      this.#armWatchdog(connection);
      this.#log.info({ frameworkId: event.frameworkId, address: connection.address }, 'subscribed');
      this.#queue.push(event);
      const header = this.#header();
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(header);
      }
      this.#waiters.clear();
      return;
    }
    this.#queue.push(event);
    if (event.type === 'error') {
      // ERROR is final: the master removed the framework.
      if (this.#tearingDown) this.#log.info({ message: event.message }, 'torn down');
      else this.#log.error({ message: event.message }, 'the master removed the framework');
      this.close();
    }
  }

  /** Restarts the watchdog: no event for MISSED_HEARTBEATS intervals ends the stream. */
  #armWatchdog(connection: Connection): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    if (this.#heartbeatMs <= 0 || connection.ended) return;
    const silenceMs = this.#heartbeatMs * MISSED_HEARTBEATS;
    this.#watchdog = setTimeout(() => {
      this.#onStreamEnd(connection, `no event from the master for ${silenceMs} ms (${MISSED_HEARTBEATS} heartbeat intervals)`);
      connection.stream.cancel();
    }, silenceMs);
  }

  #onStreamEnd(connection: Connection, reason: string, err?: ServiceError): void {
    if (connection.ended || this.#closed) return;
    connection.ended = true;
    if (this.#connection === connection) this.#connection = undefined;
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const wasSubscribed = this.#streamId !== '';
    this.#streamId = '';
    this.#heartbeatMs = 0;

    if (err && !isRetryable(err.code)) {
      // The master refused the subscription itself (bad info, unknown or
      // removed framework): retrying would be refused the same way.
      const message = `subscribe: ${statusName(err.code)}: ${detailsOf(err)}`;
      this.#log.error({ address: connection.address }, message);
      this.#queue.push({ type: 'error', message });
      this.close();
      return;
    }
    if (wasSubscribed) this.#queue.push({ type: 'disconnected', reason });

    const leader = err ? leaderOf(err) : undefined;
    let delay: number;
    if (leader && leader !== connection.address) {
      this.#masters.follow(leader);
      // Masters mid-election may name each other in turn: back off after the first.
      delay = this.#redirects++ === 0 ? 0 : this.#backoff.next();
    } else {
      this.#masters.rotate();
      delay = this.#backoff.next();
    }
    this.#log.warn({ address: connection.address, next: this.#masters.current(), delayMs: delay, reason }, 're-subscribing');
    this.#retry = setTimeout(() => this.#connect(), delay);
  }

  #stopTimers(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    if (this.#retry) clearTimeout(this.#retry);
    this.#watchdog = undefined;
    this.#retry = undefined;
  }
}

function checkOfferIds(field: string, offerIds: unknown): string[] {
  if (!Array.isArray(offerIds) || offerIds.length === 0) throw new TypeError(`${field}: must be a non-empty array of offer ids`);
  return offerIds.map((id, i) => checkId(`${field}[${i}]`, id));
}

function checkTasks(field: string, tasks: unknown): TaskInfo[] {
  if (!Array.isArray(tasks) || tasks.length === 0) throw new TypeError(`${field}: must be a non-empty array of TaskInfo`);
  const seen = new Set<string>();
  return tasks.map((task: TaskInfoLike | null, i) => {
    if (task === null || typeof task !== 'object') throw new TypeError(`${field}[${i}]: must be a TaskInfo`);
    const id = checkId(`${field}[${i}].taskId`, task.taskId);
    if (seen.has(id)) throw new TypeError(`${field}[${i}].taskId: duplicate task id '${id}'`);
    seen.add(id);
    return TaskInfo.fromPartial(task);
  });
}

function checkStrings(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${field}: must be an array of strings`);
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') throw new TypeError(`${field}[${i}]: must be a non-empty string`);
  });
  return value as string[];
}

function checkGrace(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${field}: must be a finite number of seconds >= 0 (got ${String(value)})`);
  }
}

function toFilters(field: string, filters: OfferFilters | undefined): Filters | undefined {
  if (filters === undefined) return undefined;
  if (filters === null || typeof filters !== 'object') throw new TypeError(`${field}: must be an object`);
  if (filters.refuseSeconds === undefined) return {};
  checkGrace(`${field}.refuseSeconds`, filters.refuseSeconds);
  return { refuseSeconds: filters.refuseSeconds };
}
