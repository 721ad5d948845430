// A scripted fake master — a test double for the real one — serving just
// AgentService.Connect. It admits every agent (Register → a fresh id,
// Reregister → the id it brought), records what agents send, and lets a test
// push MasterMessages and acknowledge updates by hand.

import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceService,
  MasterMessage,
  SERVER_OPTIONS,
  newId,
  unavailable,
  type AgentMessage,
  type AgentMessage_StatusUpdate,
} from '@tessera/common';

import { waitFor } from './helpers.js';

export interface FakeMasterOptions {
  pingIntervalSeconds?: number;
  /** Answer Pings? (false to test the agent's reaction to a silent master). */
  ping?: boolean;
  /** Refuse every registration with this message. */
  refuse?: string;
  /** Play a non-leading master: answer UNAVAILABLE naming this leader. */
  redirectTo?: string;
}

export class FakeMaster {
  readonly received: AgentMessage[] = [];
  address = '';
  private readonly server = new Server(SERVER_OPTIONS);
  private streams: Array<ServerDuplexStream<AgentMessage, MasterMessage>> = [];
  connections = 0;

  constructor(private readonly options: FakeMasterOptions = {}) {
    this.server.addService(AgentServiceService, {
      connect: (stream: ServerDuplexStream<AgentMessage, MasterMessage>) => this.accept(stream),
    });
  }

  async start(port = 0): Promise<this> {
    const bound = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = `127.0.0.1:${bound}`;
    return this;
  }

  private accept(stream: ServerDuplexStream<AgentMessage, MasterMessage>): void {
    this.connections++;
    if (this.options.redirectTo !== undefined) {
      stream.emit('error', unavailable('not the leading master', this.options.redirectTo));
      return;
    }
    this.streams.push(stream);
    let pinger: NodeJS.Timeout | undefined;
    stream.on('data', (message: AgentMessage) => {
      this.received.push(message);
      const hello = message.register ?? message.reregister;
      if (!hello) return;
      if (this.options.refuse !== undefined) {
        stream.write(MasterMessage.create({ refused: { message: this.options.refuse } }));
        stream.end();
        return;
      }
      const agentId = message.reregister?.agentInfo?.id || newId();
      const pingIntervalSeconds = this.options.pingIntervalSeconds ?? 15;
      stream.write(MasterMessage.create({ registered: { agentId, masterId: 'fake-master', pingIntervalSeconds } }));
      if (this.options.ping !== false) {
        let seq = 0;
        pinger = setInterval(() => stream.write(MasterMessage.create({ ping: { seq: ++seq } })), pingIntervalSeconds * 1000);
      }
    });
    const done = () => {
      clearInterval(pinger);
      this.streams = this.streams.filter((s) => s !== stream);
    };
    stream.on('error', done);
    stream.on('end', () => {
      done();
      stream.end();
    });
    stream.on('cancelled', done);
  }

  /** Sends to the most recent connected agent. */
  send(message: Partial<MasterMessage>): void {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('fake master: no agent connected');
    stream.write(MasterMessage.create(message));
  }

  /** Status updates received so far, optionally for one task. */
  updates(taskId?: string): AgentMessage_StatusUpdate[] {
    return this.received
      .map((m) => m.statusUpdate)
      .filter((u): u is AgentMessage_StatusUpdate => !!u && (taskId === undefined || u.status?.taskId === taskId));
  }

  /** Waits for the n-th (1-based) update of a task. */
  waitForUpdate(taskId: string, n: number, timeoutMs = 10_000): Promise<AgentMessage_StatusUpdate> {
    return waitFor(`update #${n} of task ${taskId}`, () => this.updates(taskId)[n - 1], timeoutMs);
  }

  /** Waits for an update of the task in `state` and acknowledges it. */
  acknowledge(update: AgentMessage_StatusUpdate): void {
    this.send({ acknowledge: { frameworkId: update.frameworkId, taskId: update.status!.taskId, uuid: update.status!.uuid } });
  }

  /** Acks each update of the task as it arrives until one is in a terminal state; returns the distinct updates in order. */
  async runToEnd(
    taskId: string,
    terminal: (u: AgentMessage_StatusUpdate) => boolean,
    timeoutMs = 15_000,
    alreadyAcked: AgentMessage_StatusUpdate[] = [],
  ): Promise<AgentMessage_StatusUpdate[]> {
    const seen: AgentMessage_StatusUpdate[] = [...alreadyAcked];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = await waitFor(
        `update after ${seen.length} of task ${taskId}`,
        () => this.updates(taskId).find((u) => !seen.some((s) => Buffer.compare(s.status!.uuid, u.status!.uuid) === 0)),
        Math.max(1, deadline - Date.now()),
      );
      seen.push(next);
      this.acknowledge(next);
      if (terminal(next)) return seen.slice(alreadyAcked.length);
    }
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.server.forceShutdown();
  }
}
