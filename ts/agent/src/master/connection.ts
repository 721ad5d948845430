// The agent's one stream to the master (agent.proto). It opens Connect, says
// hello (Register, or Reregister once the agent has an id), answers pings, and
// hands every other master message to the agent. When the stream breaks, or
// the master has been silent for ping_interval × (max_ping_timeouts + 1), it
// drops the stream and reconnects with exponential backoff. A master that is
// not the leader answers UNAVAILABLE with the leader's address in trailing
// metadata: the agent dials that one next, at once. Refused is final: the
// agent may not come back under that id.

import { credentials, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  CLIENT_OPTIONS,
  LEADER_METADATA_KEY,
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

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

export class MasterConnection {
  private client: AgentServiceClient;
  /** The master dialled now: the configured one, or the leader it named. */
  private address: string;
  private stream: ClientDuplexStream<AgentMessage, MasterMessage> | undefined;
  /** Bumped per stream so events of an abandoned stream are ignored. */
  private generation = 0;
  private registered = false;
  private stopped = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private silenceMs: number;
  /** Leader redirects followed since the last registration. */
  private follows = 0;

  constructor(private readonly options: MasterConnectionOptions) {
    this.address = options.master;
    this.client = new AgentServiceClient(options.master, credentials.createInsecure(), CLIENT_OPTIONS);
    this.backoffMs = options.reconnectBackoff.initialMs;
    this.silenceMs = options.registrationTimeoutMs;
  }

  /** The master's address now (after following a leader redirect). */
  get master(): string {
    return this.address;
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
    stream.on('error', (err: ServiceError) => {
      if (generation !== this.generation) return;
      const leader = err.code === status.UNAVAILABLE ? err.metadata?.get(LEADER_METADATA_KEY)[0] : undefined;
      if (typeof leader === 'string' && HOST_PORT.test(leader) && leader !== this.address) {
        // Masters naming each other in a loop (mid-election) get the backoff too.
        if (this.follows++ < 3) this.follow(leader);
        else this.broken(`redirected to ${leader} again`, leader);
      } else {
        this.broken(`stream error: ${err.message}`);
      }
    });
    stream.on('end', () => {
      if (generation === this.generation) this.broken('the master ended the stream');
    });
    this.options.logger.info({ master: this.address }, 'connecting to the master');
    stream.write(this.options.hello());
  }

  private receive(message: MasterMessage): void {
    this.heard();
    if (message.registered) {
      const seconds = message.registered.pingIntervalSeconds;
      this.registered = true;
      this.follows = 0;
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

  private broken(why: string, next?: string): void {
    if (this.stopped) return;
    clearTimeout(this.silenceTimer);
    this.drop();
    if (next !== undefined) this.retarget(next);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectBackoff.maxMs);
    this.options.logger.warn({ master: this.address, why, retryInMs: delay }, 'lost the master; reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  /** ZooKeeper names a new leader (master/leader.ts): move to it now, unless already there. */
  leaderChanged(address: string): void {
    if (this.stopped || address === this.address) return;
    this.follows = 0;
    // A new master: the backoff grown against the old one (dead for a whole session timeout) does not apply.
    this.backoffMs = this.options.reconnectBackoff.initialMs;
    clearTimeout(this.reconnectTimer);
    this.follow(address);
  }

  /** A non-leading master named the leader: dial it now. */
  private follow(leader: string): void {
    clearTimeout(this.silenceTimer);
    this.drop();
    this.options.logger.info({ from: this.address, to: leader }, 'following the leading master');
    this.retarget(leader);
    this.open();
  }

  private retarget(address: string): void {
    this.client.close();
    this.address = address;
    this.client = new AgentServiceClient(address, credentials.createInsecure(), CLIENT_OPTIONS);
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
