// StatusUpdateManager: at-least-once, in-order delivery of task status updates
// to the framework (through the master). Per task, updates queue in order and
// only the head is in flight; it is resent with exponential backoff until the
// master relays an acknowledgement naming its uuid, then the next goes. Every
// update is checkpointed before it is first sent, so a restarted agent picks
// the queues up from disk (recover) and carries on. Checkpoints are group
// committed (group-commit.ts): update() queues the record, and the update
// becomes sendable when the fsync of the turn's batch is done, so a burst of
// updates costs one fsync per task log off the event loop instead of one
// blocking fsync each.

import type { AgentMessage_StatusUpdate, Logger, TaskState, TaskStatus } from '@tessera/common';

import { isTerminal } from '../task-states.js';
import { appendAck, removeStream, replayAll, updateRecord, type ReplayedStream } from './checkpoint.js';
import { GroupCommit, type FsyncFn } from './group-commit.js';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export interface StatusUpdateManagerOptions {
  workDir: string;
  logger: Logger;
  retry: RetryPolicy;
  /** Puts an update on the master stream; false when there is no stream now. */
  send: (update: AgentMessage_StatusUpdate) => boolean;
  /** Called once per update when the framework has acknowledged it. */
  onAcknowledged?: (frameworkId: string, status: TaskStatus) => void;
  /** fs.fsync by default; tests wrap it to count syncs and order them against sends. */
  fsync?: FsyncFn;
}

interface TaskStream {
  frameworkId: string;
  taskId: string;
  pending: TaskStatus[];
  /** Pending updates whose checkpoint is on disk: only these may be sent. */
  durable: Set<TaskStatus>;
  latestState: TaskState;
  timer: NodeJS.Timeout | undefined;
  backoffMs: number;
}

const key = (frameworkId: string, taskId: string): string => `${frameworkId}\u0000${taskId}`;
const uuidText = (uuid: Uint8Array): string => Buffer.from(uuid).toString('hex');

export class StatusUpdateManager {
  private readonly streams = new Map<string, TaskStream>();
  private stopped = false;
  private readonly commits: GroupCommit;

  constructor(private readonly options: StatusUpdateManagerOptions) {
    this.commits = new GroupCommit({ logger: options.logger, retryMs: options.retry.initialMs, fsync: options.fsync });
  }

  /** Reloads unacknowledged updates from disk (agent restart); sends nothing yet. */
  recover(): ReplayedStream[] {
    const replayed = replayAll(this.options.workDir, this.options.logger);
    for (const stream of replayed) {
      if (stream.pending.length === 0) {
        if (isTerminal(stream.latestState)) removeStream(this.options.workDir, stream.frameworkId, stream.taskId);
        continue;
      }
      this.streams.set(key(stream.frameworkId, stream.taskId), {
        frameworkId: stream.frameworkId,
        taskId: stream.taskId,
        pending: stream.pending,
        durable: new Set(stream.pending),
        latestState: stream.latestState,
        timer: undefined,
        backoffMs: this.options.retry.initialMs,
      });
    }
    this.options.logger.info(
      { tasks: this.streams.size, updates: [...this.streams.values()].reduce((n, s) => n + s.pending.length, 0) },
      'recovered unacknowledged status updates',
    );
    return replayed;
  }

  /**
   * Checkpoints and queues an update (which carries its uuid). Returns false,
   * changing nothing, for a duplicate uuid or an update after a terminal one.
   */
  update(frameworkId: string, status: TaskStatus): boolean {
    if (status.uuid.length !== 16) throw new TypeError(`status.uuid: must be 16 bytes (got ${status.uuid.length})`);
    const id = key(frameworkId, status.taskId);
    let stream = this.streams.get(id);
    if (stream) {
      if (stream.pending.some((p) => Buffer.compare(p.uuid, status.uuid) === 0)) return false;
      if (isTerminal(stream.latestState)) {
        this.options.logger.warn({ frameworkId, taskId: status.taskId }, 'ignoring an update after a terminal one');
        return false;
      }
    }
    if (!stream) {
      stream = {
        frameworkId,
        taskId: status.taskId,
        pending: [],
        durable: new Set(),
        latestState: status.state,
        timer: undefined,
        backoffMs: this.options.retry.initialMs,
      };
      this.streams.set(id, stream);
    }
    stream.pending.push(status);
    stream.latestState = status.state;
    const queued = stream;
    this.commits.append({
      ...updateRecord(this.options.workDir, { frameworkId, status }),
      durable: () => {
        queued.durable.add(status);
        if (queued.pending[0] === status) this.sendHead(queued);
      },
    });
    return true;
  }

  /** Handles an acknowledgement; false when it names no update in flight. */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): boolean {
    const stream = this.streams.get(key(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head || Buffer.compare(head.uuid, uuid) !== 0) {
      this.options.logger.debug({ frameworkId, taskId, uuid: uuidText(uuid) }, 'ignoring an acknowledgement of no update in flight');
      return false;
    }
    appendAck(this.options.workDir, frameworkId, taskId, uuid);
    clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.pending.shift();
    stream.durable.delete(head);
    stream.backoffMs = this.options.retry.initialMs;
    this.options.onAcknowledged?.(frameworkId, head);
    if (stream.pending.length > 0) {
      this.sendHead(stream);
    } else if (isTerminal(stream.latestState)) {
      this.streams.delete(key(frameworkId, taskId));
      removeStream(this.options.workDir, frameworkId, taskId);
    }
    return true;
  }

  /** After (re)registering: every task's head update goes out at once. */
  resendAll(): void {
    for (const stream of this.streams.values()) {
      if (stream.pending.length === 0) continue;
      stream.backoffMs = this.options.retry.initialMs;
      this.sendHead(stream);
    }
  }

  /** Whether an update with this uuid is waiting for its acknowledgement. */
  isPending(frameworkId: string, taskId: string, uuid: Uint8Array): boolean {
    const stream = this.streams.get(key(frameworkId, taskId));
    return !!stream?.pending.some((p) => Buffer.compare(p.uuid, uuid) === 0);
  }

  /** The newest state queued for a task, if the manager still tracks it. */
  latestState(frameworkId: string, taskId: string): TaskState | undefined {
    return this.streams.get(key(frameworkId, taskId))?.latestState;
  }

  /** Every task with updates still waiting for their acknowledgement: its newest state and the executor its last update names. */
  unacknowledgedTasks(): Array<{ frameworkId: string; taskId: string; executorId: string; latestState: TaskState }> {
    return [...this.streams.values()]
      .filter((stream) => stream.pending.length > 0)
      .map((stream) => ({
        frameworkId: stream.frameworkId,
        taskId: stream.taskId,
        executorId: stream.pending.at(-1)!.executorId,
        latestState: stream.latestState,
      }));
  }

  /** Unacknowledged updates of a task, oldest first. */
  pending(frameworkId: string, taskId: string): TaskStatus[] {
    return [...(this.streams.get(key(frameworkId, taskId))?.pending ?? [])];
  }

  /** Resolves once every update queued so far is on disk (and, if it is a head, sent). */
  flushed(): Promise<void> {
    return this.commits.idle();
  }

  /** Stops resending; updates not yet checkpointed are written (blocking) first. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.streams.values()) clearTimeout(stream.timer);
    this.commits.close();
  }

  private sendHead(stream: TaskStream): void {
    clearTimeout(stream.timer);
    const head = stream.pending[0];
    // A head not yet on disk goes out from its checkpoint's callback.
    if (!head || this.stopped || !stream.durable.has(head)) return;
    const sent = this.options.send({ frameworkId: stream.frameworkId, status: head, latestState: stream.latestState });
    this.options.logger.debug(
      { frameworkId: stream.frameworkId, taskId: stream.taskId, uuid: uuidText(head.uuid), sent, retryMs: stream.backoffMs },
      'status update sent',
    );
    const wait = stream.backoffMs;
    stream.timer = setTimeout(() => {
      stream.backoffMs = Math.min(stream.backoffMs * 2, this.options.retry.maxMs);
      this.sendHead(stream);
    }, wait);
    stream.timer.unref();
  }
}
