// One ZooKeeper session over the native `zookeeper` client, with the part the
// client leaves to us: knowing when the session is lost.
//
// The server expires a session it has not heard from for the session timeout,
// but a client cut off from every server learns that only when it reconnects,
// which may be never. Like Mesos's group (src/zookeeper/group.cpp), we start a
// timer when the connection drops and, if it has not come back by then, treat
// the session as lost: whoever depends on an ephemeral node of this session
// (a leader) must assume it is gone. The timer is a Node timer, which runs on
// libuv's monotonic clock, so a wall-clock jump neither loses a session nor
// saves one.
//
// How long to wait is the caller's trade (`disconnectGrace`). The C client
// drops a connection after hearing nothing for 2/3 of the timeout, so by the
// time we are told, the servers may expire the session within the remaining
// 1/3: a leader that waits a whole timeout (Mesos's choice, good for
// liveness) can still act for up to 2/3 of a timeout after a standby was
// elected. A contender therefore waits only 1/4 (1/3 would end exactly when
// the servers may expire it, a race lost to the tick rounding or an event
// loop delay); a detector, which only reads, waits the whole timeout.

import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The slice of the zookeeper client (v7, promise flavour) used here. */
interface NativeClient extends EventEmitter {
  init(config: object): unknown;
  close(): unknown;
  readonly timeout: number;
  create(path: string, data: string | Buffer, flags: number): Promise<string>;
  get(path: string, watch: boolean): Promise<[Stat, Buffer | string]>;
  set(path: string, data: string | Buffer, version: number): Promise<Stat>;
  exists(path: string, watch: boolean): Promise<Stat>;
  w_exists(path: string, watchCb: WatchCb): Promise<Stat>;
  get_children(path: string, watch: boolean): Promise<string[]>;
  w_get_children(path: string, watchCb: WatchCb): Promise<string[]>;
  delete_(path: string, version: number): Promise<void>;
}
type WatchCb = (type: number, state: number, path: string) => void;
interface ClientClass {
  new (config: object): NativeClient;
  constants: Record<string, number>;
}

export interface Stat {
  version: number;
  ephemeralOwner: unknown;
  [k: string]: unknown;
}

const ZooKeeper = require('zookeeper') as ClientClass;
export const ZK = ZooKeeper.constants as {
  ZOO_EPHEMERAL: number;
  ZOO_SEQUENCE: number;
  ZNONODE: number;
  ZNODEEXISTS: number;
  ZOO_SESSION_EVENT: number;
  ZOO_EXPIRED_SESSION_STATE: number;
} & Record<string, number>;

/** A failed ZooKeeper call; `code` is the client's return code (e.g. ZNONODE = -101). */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly op: string,
    readonly path: string,
    detail: string,
  ) {
    super(`zookeeper ${op} ${path}: ${detail} (${code})`);
    this.name = 'ZkError';
  }
}

export interface ZkSessionOptions {
  /** host:port,host:port */
  connect: string;
  /** Asked of the server, which clamps it to [2, 20] ticks unless configured otherwise; default 10000. */
  sessionTimeoutMs?: number;
  /** Fraction of the session timeout a dropped connection may last before the session counts as lost; default 1. */
  disconnectGrace?: number;
  /** The C client's own log to stderr: 0 off (default), 1 error .. 4 debug. */
  logLevel?: number;
}

/**
 * Events: 'connected' (first time and after each reconnect), 'disconnected'
 * (connection dropped; the session may still be alive), 'lost' (once: expired,
 * or disconnected for longer than the session timeout, or the client gave
 * up). After 'lost' every call fails; make a new session.
 */
export class ZkSession extends EventEmitter {
  private readonly client: NativeClient;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private connectedOnce = false;
  private connected = false;
  private closedByUs = false;
  private lostReason: string | undefined;
  private readonly requestedTimeoutMs: number;
  private readonly disconnectGrace: number;

  constructor(opts: ZkSessionOptions) {
    super();
    this.requestedTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.disconnectGrace = opts.disconnectGrace ?? 1;
    if (!(this.disconnectGrace > 0 && this.disconnectGrace <= 1)) throw new TypeError(`disconnectGrace must be in (0, 1], got ${opts.disconnectGrace}`);
    this.client = new ZooKeeper({
      connect: opts.connect,
      timeout: this.requestedTimeoutMs,
      // TESSERA_ZK_LOG_LEVEL: turn the C client's log on without a code change when debugging.
      debug_level: opts.logLevel ?? (Number(process.env.TESSERA_ZK_LOG_LEVEL) || 0),
      host_order_deterministic: false,
      // The binding closes a session, calling it expired, after this many
      // polls in a row that processed nothing. Its default, 10, is counted
      // in event loop turns, not time: connecting to a server that takes a
      // millisecond to answer the handshake already exceeds it (seen in
      // quorum.test.ts, every reconnect failed). Whether a session is lost
      // is decided by the servers and by our own timer on a monotonic clock.
      response_counter_limit: 1_000_000_000,
    });
    this.client.on('connect', () => {
      this.clearDisconnectTimer();
      this.connected = true;
      this.connectedOnce = true;
      this.emit('connected');
    });
    this.client.on('connecting', () => {
      // Also emitted while first connecting; only a drop after a connection counts.
      if (!this.connected) return;
      this.connected = false;
      this.emit('disconnected');
      this.armDisconnectTimer();
    });
    this.client.on('close', (_self: unknown, code: number) => {
      this.clearDisconnectTimer();
      this.connected = false;
      if (this.closedByUs) return;
      this.markLost(code === ZK.ZOO_EXPIRED_SESSION_STATE ? 'session expired' : `client closed (${code})`);
    });
  }

  /** Starts connecting; resolves when connected (waits as long as it takes: the caller bounds it). */
  async open(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        this.off('lost', onLost);
        resolve();
      };
      const onLost = (why: string): void => {
        this.off('connected', onConnected);
        reject(new Error(`zookeeper session lost before connecting: ${why}`));
      };
      this.once('connected', onConnected);
      this.once('lost', onLost);
    });
    this.client.init({});
    await ready;
  }

  /** The negotiated session timeout (ms) once connected, else the one asked for. */
  get sessionTimeoutMs(): number {
    const t = this.connectedOnce ? this.client.timeout : 0;
    return t > 0 ? t : this.requestedTimeoutMs;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get isLost(): boolean {
    return this.lostReason !== undefined;
  }

  /** Closes the session; its ephemeral nodes go at once (the server is told). */
  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.clearDisconnectTimer();
    this.lostReason ??= 'closed';
    try {
      this.client.close();
    } catch {
      // already closed by the client itself
    }
  }

  async create(path: string, data: string | Buffer, flags: number): Promise<string> {
    return this.call('create', path, () => this.client.create(path, data, flags));
  }

  async get(path: string): Promise<[Stat, Buffer | string]> {
    return this.call('get', path, () => this.client.get(path, false));
  }

  /** Replaces a node's data if its version is still `version` (-1: any); the new Stat. ZBADVERSION when it moved on. */
  async set(path: string, data: string | Buffer, version: number): Promise<Stat> {
    return this.call('set', path, () => this.client.set(path, data, version));
  }

  /** Resolves at the next 'connected', or rejects once the session is lost. */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.lostReason !== undefined) return Promise.reject(new Error(`zookeeper session ${this.lostReason}`));
    return new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        this.off('lost', onLost);
        resolve();
      };
      const onLost = (why: string): void => {
        this.off('connected', onConnected);
        reject(new Error(`zookeeper session lost: ${why}`));
      };
      this.once('connected', onConnected);
      this.once('lost', onLost);
    });
  }

  /** Stat, or undefined when the node does not exist; `watch` fires once on its creation, change or deletion. */
  async exists(path: string, watch?: WatchCb): Promise<Stat | undefined> {
    try {
      return await this.call('exists', path, () => (watch ? this.client.w_exists(path, this.guard(watch)) : this.client.exists(path, false)));
    } catch (err) {
      if (err instanceof ZkError && err.code === ZK.ZNONODE) return undefined;
      throw err;
    }
  }

  async children(path: string, watch?: WatchCb): Promise<string[]> {
    return this.call('get_children', path, () => (watch ? this.client.w_get_children(path, this.guard(watch)) : this.client.get_children(path, false)));
  }

  async delete(path: string, version = -1): Promise<void> {
    return this.call('delete', path, () => this.client.delete_(path, version));
  }

  /** Creates every missing persistent node of an absolute path (idempotent, races welcome). */
  async ensurePath(path: string): Promise<void> {
    let at = '';
    for (const part of path.split('/').filter(Boolean)) {
      at += `/${part}`;
      try {
        await this.create(at, '', 0);
      } catch (err) {
        if (!(err instanceof ZkError && err.code === ZK.ZNODEEXISTS)) throw err;
      }
    }
  }

  /** Session events also reach per-node watchers in the C client; they mean nothing to a node watch. */
  private guard(watch: WatchCb): WatchCb {
    return (type, state, path) => {
      if (type === ZK.ZOO_SESSION_EVENT) return;
      watch(type, state, path);
    };
  }

  private async call<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    if (this.lostReason !== undefined) throw new ZkError(ZK.ZSESSIONEXPIRED ?? -112, op, path, `session ${this.lostReason}`);
    try {
      return await fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      // The client rejects with "<rc> <text>" or "... result: <NAME> <rc>".
      const m = /^(-?\d+)\s+(.*)$/.exec(msg) ?? /result: (\S+) (-?\d+)/.exec(msg);
      if (m && /^-?\d+$/.test(m[1]!)) throw new ZkError(Number(m[1]), op, path, m[2]!);
      if (m) throw new ZkError(Number(m[2]), op, path, m[1]!);
      throw new ZkError(-1, op, path, msg);
    }
  }

  private armDisconnectTimer(): void {
    this.clearDisconnectTimer();
    const ms = Math.round(this.sessionTimeoutMs * this.disconnectGrace);
    this.disconnectTimer = setTimeout(() => {
      this.disconnectTimer = undefined;
      this.markLost(`disconnected for ${ms} ms (session timeout ${this.sessionTimeoutMs} ms)`);
      // The server has expired the session by now (or will as soon as it can
      // count); stop the client so it does not come back with stale watches.
      this.close();
    }, ms);
  }

  private clearDisconnectTimer(): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
  }

  private markLost(reason: string): void {
    // Once: after our own close() (lostReason 'closed') nothing is reported.
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    this.emit('lost', reason);
  }
}
