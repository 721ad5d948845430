// ExecutorClient: a custom executor's connection to its agent's
// ExecutorService on loopback. It subscribes, yields the agent's events, sends
// status updates and messages, and — because updates are the agent's to
// deliver only once it has them — keeps every update (and every task it was
// given but has not reported on) until the agent says ACKNOWLEDGED, sending
// them again on each re-subscription.

import { Metadata, credentials, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  CLIENT_OPTIONS,
  ExecutorServiceClient,
  TaskState,
  TaskStatus,
  TaskStatus_Source,
  checkId,
  createLogger,
  newUpdateUuid,
  statusName,
  type ExecutorEvent as WireEvent,
  type Logger,
  type TaskInfo,
} from '@tessera/common';

import { checkAddresses } from '../address.js';
import { Backoff, positiveMs, type BackoffOptions } from '../backoff.js';
import { ExecutorCallError, detailsOf, isRetryable } from '../errors.js';
import { EventQueue } from '../event-queue.js';
import { fromWireExecutorEvent, type ExecutorEvent } from './events.js';

export interface ExecutorClientOptions {
  /** The agent's ExecutorService "host:port" (default $TESSERA_EXECUTOR_ADDRESS). */
  address?: string;
  /** Default $TESSERA_FRAMEWORK_ID. */
  frameworkId?: string;
  /** Default $TESSERA_EXECUTOR_ID. */
  executorId?: string;
  /** Default $TESSERA_AGENT_ID; the agent also names itself on SUBSCRIBED. */
  agentId?: string;
  /** Where the defaults above are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Re-subscription backoff (default 250 ms doubling to 10 s). */
  reconnect?: BackoffOptions;
  logger?: Logger;
  /** How long a call may wait for a subscription plus its answer (default 10 s). */
  callTimeoutMs?: number;
}

/** A status update to send: the task and its state, anything else optional. */
export type UpdateInput = Partial<Omit<TaskStatus, 'uuid' | 'source'>> & { taskId: string; state: TaskState };

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class ExecutorClient {
  readonly address: string;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #callTimeoutMs: number;
  readonly #queue = new EventQueue<ExecutorEvent>();
  readonly #waiters = new Set<Waiter>();
  /** Tasks given to this executor it has sent no update for, by task id. */
  readonly #unacknowledgedTasks = new Map<string, TaskInfo>();
  /** Updates sent and not yet acknowledged, by uuid (hex), oldest first. */
  readonly #unacknowledgedUpdates = new Map<string, TaskStatus>();
  #agentId: string;
  #containerId = '';
  #client: ExecutorServiceClient | undefined;
  #stream: ClientReadableStream<WireEvent> | undefined;
  #subscribed = false;
  #started = false;
  #closed = false;
  #consumed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: ExecutorClientOptions = {}) {
    const env = options.env ?? process.env;
    const address = options.address ?? env.TESSERA_EXECUTOR_ADDRESS;
    if (address === undefined) throw new TypeError('ExecutorClient options.address: not given and TESSERA_EXECUTOR_ADDRESS is not set');
    this.address = checkAddresses('ExecutorClient options.address', address)[0]!;
    this.frameworkId = checkId('ExecutorClient options.frameworkId (or TESSERA_FRAMEWORK_ID)', options.frameworkId ?? env.TESSERA_FRAMEWORK_ID);
    this.executorId = checkId('ExecutorClient options.executorId (or TESSERA_EXECUTOR_ID)', options.executorId ?? env.TESSERA_EXECUTOR_ID);
    this.#agentId = options.agentId ?? env.TESSERA_AGENT_ID ?? '';
    this.#backoff = new Backoff(options.reconnect, 'ExecutorClient options.reconnect');
    this.#callTimeoutMs = positiveMs('ExecutorClient options.callTimeoutMs', options.callTimeoutMs ?? 10_000);
    this.#log =
      options.logger ??
      createLogger('sdk.executor', { level: env.TESSERA_LOG_LEVEL ?? 'warn', destination: process.stderr });
  }

  /** Updates sent that the agent has not acknowledged yet (oldest first). */
  get unacknowledgedUpdates(): TaskStatus[] {
    return [...this.#unacknowledgedUpdates.values()];
  }

  /** Tasks received that no update has been sent for yet. */
  get unacknowledgedTasks(): TaskInfo[] {
    return [...this.#unacknowledgedTasks.values()];
  }

  /** Starts subscribing (events() does so too). Idempotent. */
  subscribe(): void {
    if (this.#closed) throw new ExecutorCallError(status.CANCELLED, 'subscribe: the executor client is closed');
    if (this.#started) return;
    this.#started = true;
    this.#client = new ExecutorServiceClient(this.address, credentials.createInsecure(), CLIENT_OPTIONS);
    this.#connect();
  }

  /** The events, for one consumer. Ends after close() or a fatal 'error'. */
  events(): AsyncIterable<ExecutorEvent> {
    if (this.#consumed) throw new Error('ExecutorClient.events(): already consumed (one consumer only)');
    this.#consumed = true;
    if (!this.#closed) this.subscribe();
    const queue = this.#queue;
    return { [Symbol.asyncIterator]: () => ({ next: () => queue.next() }) };
  }

  /**
   * Sends a status update, filling in its uuid, timestamp, source (EXECUTOR),
   * executor, agent and container. It is kept, and sent again on every
   * re-subscription, until the agent acknowledges it — also when this call
   * fails. Resolves with the update as sent.
   */
  async update(input: UpdateInput): Promise<TaskStatus> {
    if (input === null || typeof input !== 'object') throw new TypeError('update.status: must be an object');
    checkId('update.status.taskId', input.taskId);
    if (typeof input.state !== 'number' || TaskState[input.state] === undefined || input.state <= 0) {
      throw new TypeError(`update.status.state: must be a TaskState other than UNSPECIFIED (got ${String(input.state)})`);
    }
    const update = TaskStatus.fromPartial({
      agentId: this.#agentId,
      containerId: this.#containerId,
      ...input,
      executorId: this.executorId,
      source: TaskStatus_Source.EXECUTOR,
      uuid: newUpdateUuid(),
      timestamp: input.timestamp ?? Date.now() / 1000,
    });
    this.#unacknowledgedTasks.delete(update.taskId);
    this.#unacknowledgedUpdates.set(update.uuid.toString('hex'), update);
    await this.#whenSubscribed('update');
    await new Promise<void>((resolve, reject) => {
      this.#client!.update(
        { frameworkId: this.frameworkId, executorId: this.executorId, status: update },
        new Metadata(),
        { deadline: Date.now() + this.#callTimeoutMs },
        (err) => (err ? reject(new ExecutorCallError(err.code, `update: ${detailsOf(err)}`)) : resolve()),
      );
    });
    return update;
  }

  /** Sends opaque data to the framework's scheduler. */
  async message(data: Uint8Array | string): Promise<void> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('message.data: must be a Buffer, Uint8Array or string');
    const bytes = Buffer.from(data);
    await this.#whenSubscribed('message');
    await new Promise<void>((resolve, reject) => {
      this.#client!.message(
        { frameworkId: this.frameworkId, executorId: this.executorId, data: bytes },
        new Metadata(),
        { deadline: Date.now() + this.#callTimeoutMs },
        (err) => (err ? reject(new ExecutorCallError(err.code, `message: ${detailsOf(err)}`)) : resolve()),
      );
    });
  }

  /** Ends the stream and the events; pending calls fail with CANCELLED. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const stream = this.#stream;
    this.#stream = undefined;
    this.#subscribed = false;
    stream?.cancel();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ExecutorCallError(status.CANCELLED, 'the executor client is closed'));
    }
    this.#waiters.clear();
    this.#queue.end();
    this.#client?.close();
  }

  #whenSubscribed(call: string): Promise<void> {
    if (this.#closed) return Promise.reject(new ExecutorCallError(status.CANCELLED, `${call}: the executor client is closed`));
    this.subscribe();
    if (this.#subscribed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new ExecutorCallError(status.DEADLINE_EXCEEDED, `${call}: not subscribed to the agent within ${this.#callTimeoutMs} ms`));
        }, this.#callTimeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #connect(): void {
    this.#retry = undefined;
    if (this.#closed) return;
    const stream = this.#client!.subscribe({
      frameworkId: this.frameworkId,
      executorId: this.executorId,
      unacknowledgedTasks: this.unacknowledgedTasks,
      unacknowledgedUpdates: this.unacknowledgedUpdates,
    });
    this.#stream = stream;
    let ended = false;
    let error: ServiceError | undefined;
    let scheduled = false;
    // As in SchedulerClient: 'error' and 'end' come in either order; decide
    // once both had their turn.
    const finish = (): void => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        ended = true;
        if (this.#stream === stream) this.#onStreamEnd(error);
      });
    };
    stream.on('data', (event: WireEvent) => {
      if (!ended && this.#stream === stream) this.#onEvent(event);
    });
    stream.on('end', finish);
    stream.on('error', (err: ServiceError) => {
      error = err;
      finish();
    });
  }

  #onEvent(wire: WireEvent): void {
    const event = fromWireExecutorEvent(wire);
    if (!event) return;
    switch (event.type) {
      case 'subscribed':
        this.#subscribed = true;
        if (event.agentId) this.#agentId = event.agentId;
        this.#containerId = event.containerId;
        this.#backoff.reset();
        for (const waiter of this.#waiters) {
          clearTimeout(waiter.timer);
          waiter.resolve();
        }
        this.#waiters.clear();
        break;
      case 'launch':
        this.#unacknowledgedTasks.set(event.task.taskId, event.task);
        break;
      case 'launchGroup':
        for (const task of event.taskGroup.tasks) this.#unacknowledgedTasks.set(task.taskId, task);
        break;
      case 'acknowledged':
        this.#unacknowledgedUpdates.delete(event.uuid.toString('hex'));
        break;
      default:
        break;
    }
    this.#queue.push(event);
    if (event.type === 'error') {
      this.#log.error({ message: event.message }, 'the agent ended the executor');
      this.close();
    }
  }

  #onStreamEnd(err: ServiceError | undefined): void {
    if (this.#closed) return;
    const wasSubscribed = this.#subscribed;
    this.#subscribed = false;
    this.#stream = undefined;
    const reason = err ? `${statusName(err.code)}: ${detailsOf(err)}` : 'the agent ended the stream';
    if (err && !isRetryable(err.code)) {
      const message = `subscribe: ${reason}`;
      this.#log.error(message);
      this.#queue.push({ type: 'error', message });
      this.close();
      return;
    }
    if (wasSubscribed) this.#queue.push({ type: 'disconnected', reason });
    const delay = this.#backoff.next();
    this.#log.warn({ address: this.address, delayMs: delay, reason }, 're-subscribing to the agent');
    this.#retry = setTimeout(() => this.#connect(), delay);
  }
}
