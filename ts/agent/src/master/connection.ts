// The agent's one stream to the master (agent.proto). It opens Connect, says
// hello (Register, or Reregister once the agent has an id), answers pings, and
// hands every other master message to the agent. When the stream breaks, or
// the master has been silent for ping_interval × (max_ping_timeouts + 1), it
// drops the stream and reconnects with exponential backoff. Refused is final:
// the agent may not come back under that id.

import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  CLIENT_OPTIONS,
  type AgentMessage,
  type Logger,
  type MasterMessage,
  type MasterMessage_Registered,
} from '@tessera/common';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface MasterConnectionOptions {
  master: string;
  logger: Logger;
  reconnectBackoff: Backoff;
  /** How many ping intervals of silence the master allows; we wait one more. */
  maxPingTimeouts: number;
  /** How long to wait for Registered after saying hello. */
  registrationTimeoutMs: number;
  /** Register or Reregister, built fresh for each connection. */
  hello: () => AgentMessage;
  onRegistered: (registered: MasterMessage_Registered) => void;
  onMessage: (message: MasterMessage) => void;
  onRefused: (message: string) => void;
}

export class MasterConnection {
  private readonly client: AgentServiceClient;
  private stream: ClientDuplexStream<AgentMessage, MasterMessage> | undefined;
  /** Bumped per stream so events of an abandoned stream are ignored. */
  private generation = 0;
  private registered = false;
  private stopped = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private silenceMs: number;

  constructor(private readonly options: MasterConnectionOptions) {
    this.client = new AgentServiceClient(options.master, credentials.createInsecure(), CLIENT_OPTIONS);
    this.backoffMs = options.reconnectBackoff.initialMs;
    this.silenceMs = options.registrationTimeoutMs;
  }

  /** Registered on a live stream: messages sent now reach the master. */
  get connected(): boolean {
    return this.registered && this.stream !== undefined;
  }

  start(): void {
    this.open();
  }

  /** Sends when registered on a live stream; false otherwise (the caller retries later). */
  send(message: AgentMessage): boolean {
    if (!this.connected || !this.stream) return false;
    this.stream.write(message);
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.silenceTimer);
    this.drop();
    this.client.close();
  }

  private open(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const stream = this.client.connect();
    this.stream = stream;
    this.registered = false;
    this.silenceMs = this.options.registrationTimeoutMs;
    this.heard();
    stream.on('data', (message: MasterMessage) => {
      if (generation === this.generation) this.receive(message);
    });
    stream.on('error', (err: Error) => {
      if (generation === this.generation) this.broken(`stream error: ${err.message}`);
    });
    stream.on('end', () => {
      if (generation === this.generation) this.broken('the master ended the stream');
    });
    this.options.logger.info({ master: this.options.master }, 'connecting to the master');
    stream.write(this.options.hello());
  }

  private receive(message: MasterMessage): void {
    this.heard();
    if (message.registered) {
      const seconds = message.registered.pingIntervalSeconds;
      this.registered = true;
      this.backoffMs = this.options.reconnectBackoff.initialMs;
      if (seconds > 0) this.silenceMs = seconds * 1000 * (this.options.maxPingTimeouts + 1);
      this.heard();
      this.options.onRegistered(message.registered);
    } else if (message.ping) {
      this.stream?.write({ pong: { seq: message.ping.seq } });
    } else if (message.refused) {
      this.stopped = true;
      clearTimeout(this.silenceTimer);
      this.drop();
      this.options.onRefused(message.refused.message);
    } else if (this.registered) {
      this.options.onMessage(message);
    } else {
      this.options.logger.warn({ message: Object.keys(message) }, 'ignoring a master message before Registered');
    }
  }

  /** Restarts the silence watchdog: any message from the master counts. */
  private heard(): void {
    clearTimeout(this.silenceTimer);
    if (this.stopped) return;
    this.silenceTimer = setTimeout(() => this.broken(`no word from the master for ${this.silenceMs} ms`), this.silenceMs);
    this.silenceTimer.unref();
  }

  private broken(why: string): void {
    if (this.stopped) return;
    clearTimeout(this.silenceTimer);
    this.drop();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectBackoff.maxMs);
    this.options.logger.warn({ master: this.options.master, why, retryInMs: delay }, 'lost the master; reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private drop(): void {
    const stream = this.stream;
    this.stream = undefined;
    this.registered = false;
    this.generation++;
    if (stream) {
      stream.on('error', () => undefined); // the cancel below surfaces as CANCELLED
      stream.cancel();
    }
  }
}
