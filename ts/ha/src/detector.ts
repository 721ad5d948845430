// Finds the leading master: the MasterInfo in the lowest election node under
// the configured path. Agents, the SDK and the CLI will use it (issue 5).
//
// Events: 'leader' (MasterInfo | null) whenever the answer changes — null
// means no leader is known (none elected, or ZooKeeper unreachable for longer
// than the session timeout); 'warning' (Error) for a leader node it cannot read.
// Unlike a contender, a detector outlives its sessions: when one is lost it
// reports null and opens another, until stop().

import { EventEmitter } from 'node:events';

import { electionMembers, joinPath } from './election.js';
import { parseMasterInfo, type MasterInfo } from './master-info.js';
import { SerialCheck } from './serial-check.js';
import { parseZkUrl, type ZkUrl } from './zk-url.js';
import { ZK, ZkError, ZkSession } from './zk-session.js';

export interface DetectorOptions {
  zk: string | ZkUrl;
  /** Default 10000. */
  sessionTimeoutMs?: number;
  /** Wait before opening a new session after one is lost; default 1000 ms. */
  retryDelayMs?: number;
}

export class LeaderDetector extends EventEmitter {
  readonly url: ZkUrl;
  private session: ZkSession | undefined;
  private current: MasterInfo | null = null;
  private currentNode: string | undefined;
  private stopped = false;
  private readonly checks = new SerialCheck(
    () => this.checkOnce(this.session!),
    (err) => {
      const session = this.session;
      if (this.stopped || !session || session.isLost) return;
      // Connection loss mid-call: the 'connected' handler checks again.
      if (session.isConnected) this.checks.request();
      if (!(err instanceof ZkError)) this.emit('warning', err);
    },
  );
  private retryTimer: NodeJS.Timeout | undefined;
  private firstAnswer: Promise<void>;
  private resolveFirst!: () => void;

  constructor(private readonly opts: DetectorOptions) {
    super();
    this.url = typeof opts.zk === 'string' ? parseZkUrl(opts.zk) : opts.zk;
    this.firstAnswer = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  /** Starts watching; resolves once the first answer is known (connecting may take as long as ZooKeeper does). */
  async start(): Promise<void> {
    this.openSession();
    await this.firstAnswer;
  }

  /** The leader as last seen; null when none is known. */
  leader(): MasterInfo | null {
    return this.current;
  }

  /** Resolves with the leader once it differs from `previous` (by id); at once when it already does. */
  detect(previous: MasterInfo | null = null): Promise<MasterInfo | null> {
    if ((this.current?.id ?? null) !== (previous?.id ?? null)) return Promise.resolve(this.current);
    return new Promise((resolve) => {
      const on = (leader: MasterInfo | null): void => {
        if ((leader?.id ?? null) === (previous?.id ?? null)) return;
        this.off('leader', on);
        resolve(leader);
      };
      this.on('leader', on);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.session?.close();
  }

  private openSession(): void {
    if (this.stopped) return;
    const session = new ZkSession({ connect: this.url.connect, sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000 });
    this.session = session;
    session.on('connected', () => this.check());
    session.on('lost', () => {
      if (this.stopped || session !== this.session) return;
      // Cut off for longer than a session: whoever led may have been
      // replaced without our knowing, so claim nothing.
      this.report(null, undefined);
      this.retryTimer = setTimeout(() => this.openSession(), this.opts.retryDelayMs ?? 1000);
    });
    session.open().catch(() => {
      // 'lost' already arranged the retry.
    });
  }

  private check(): void {
    if (!this.stopped) this.checks.request();
  }

  private async checkOnce(session: ZkSession): Promise<void> {
    const onChange = (): void => this.check();
    let children: string[];
    try {
      children = await session.children(this.url.path, onChange);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZK.ZNONODE)) throw err;
      // No master ever ran here: wait for the path to appear.
      this.report(null, undefined);
      if (await session.exists(this.url.path, onChange)) this.checks.request(); // created meanwhile: look again
      return;
    }
    const lowest = electionMembers(children)[0];
    if (lowest === undefined) {
      this.report(null, undefined);
      return;
    }
    const path = joinPath(this.url.path, lowest);
    if (path === this.currentNode) return;
    let data: Buffer | string;
    try {
      [, data] = await session.get(path);
    } catch (err) {
      // Gone between the listing and the read: the child watch fires too.
      if (err instanceof ZkError && err.code === ZK.ZNONODE) return;
      throw err;
    }
    let info: MasterInfo | null = null;
    try {
      info = parseMasterInfo(data, path);
    } catch (err) {
      this.emit('warning', err);
    }
    this.report(info, path);
  }

  private report(leader: MasterInfo | null, node: string | undefined): void {
    this.resolveFirst();
    const changed = (leader?.id ?? null) !== (this.current?.id ?? null) || node !== this.currentNode;
    this.currentNode = node;
    this.current = leader;
    if (changed) this.emit('leader', leader);
  }
}
