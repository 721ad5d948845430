// A master's candidacy: it joins the election under the configured path and
// learns when it leads and when it must stop.
//
// Events:
//   'elected'  its node is the lowest: it leads from now on
//   'lost'     (reason) its session is gone (expired, closed, or cut off for
//              longer than the session timeout): it must stop acting as leader
//              at once, before another master can have been elected for long.
//              Like a Mesos master, the process is expected to exit (or make a
//              new contender) — a contender never comes back.
// It watches only its predecessor node, so a change wakes one contender, not all.

import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';

import { ELECTION_PREFIX, electionMembers, joinPath } from './election.js';
import { SerialCheck } from './serial-check.js';
import { validateMasterInfo, type MasterInfo } from './master-info.js';
import { parseZkUrl, type ZkUrl } from './zk-url.js';
import { ZK, ZkSession } from './zk-session.js';

export interface ContenderOptions {
  /** zk://h1:2181,h2:2181/tessera, or an already parsed one. */
  zk: string | ZkUrl;
  info: MasterInfo;
  /** Default 10000; the server may clamp it. */
  sessionTimeoutMs?: number;
}

export class MasterContender extends EventEmitter {
  readonly url: ZkUrl;
  readonly info: MasterInfo;
  private session: ZkSession | undefined;
  private node: string | undefined;
  private leading = false;
  private started = false;
  private done = false;
  private readonly checks = new SerialCheck(
    () => this.checkOnce(),
    (err) => {
      // A call failing while the session lives (connection loss mid-call)
      // is retried when the connection returns; a lost session ends it all.
      if (this.done || this.session?.isLost) return;
      if (this.session?.isConnected) this.checks.request();
      else this.session?.once('connected', () => this.check());
      this.emit('warning', err);
    },
  );

  constructor(private readonly opts: ContenderOptions) {
    super();
    this.url = typeof opts.zk === 'string' ? parseZkUrl(opts.zk) : opts.zk;
    validateMasterInfo(opts.info);
    this.info = { hostname: hostname(), ...opts.info };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Full path of this master's election node, once created. */
  get nodePath(): string | undefined {
    return this.node;
  }

  /** The session holding the election node: the leader writes its registry through it, so its writes end with its leadership. */
  get zkSession(): ZkSession | undefined {
    return this.session;
  }

  get sessionTimeoutMs(): number | undefined {
    return this.session?.sessionTimeoutMs;
  }

  /** Connects, creates the election node and starts watching; resolves once the node exists. */
  async contend(): Promise<void> {
    if (this.started) throw new Error('contend() was already called; a contender contends once');
    this.started = true;
    const session = await this.connect();
    if (this.done) return;
    session.on('lost', (why: string) => this.lose(`zookeeper session lost: ${why}`));
    await session.ensurePath(this.url.path);
    this.node = await session.create(joinPath(this.url.path, ELECTION_PREFIX), JSON.stringify(this.info), ZK.ZOO_EPHEMERAL | ZK.ZOO_SEQUENCE);
    this.check();
  }

  /** Leaves the election: closes the session, so the node goes at once. Emits nothing. */
  withdraw(): void {
    this.done = true;
    this.leading = false;
    this.session?.close();
  }

  // The native client closes a session it cannot establish (servers without
  // quorum answer nothing; after ten empty polls it gives up, calling it
  // expired). Nothing of ours depends on a session never established, so a
  // contender waiting for ZooKeeper just tries again, until withdrawn.
  private async connect(): Promise<ZkSession> {
    for (;;) {
      // disconnectGrace 1/4: step down before the servers can have expired the
      // session and elected someone else (see zk-session.ts).
      const session = new ZkSession({ connect: this.url.connect, sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000, disconnectGrace: 1 / 4 });
      this.session = session;
      try {
        await session.open();
        return session;
      } catch (err) {
        if (this.done) return session;
        this.emit('warning', err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private lose(why: string): void {
    if (this.done) return;
    this.done = true;
    this.leading = false;
    this.session?.close();
    this.emit('lost', why);
  }

  private check(): void {
    if (!this.done) this.checks.request();
  }

  private async checkOnce(): Promise<void> {
    const session = this.session!;
    const mine = this.node!.slice(this.url.path.length + 1);
    const members = electionMembers(await session.children(this.url.path));
    const at = members.indexOf(mine);
    if (this.done) return;
    if (at < 0) {
      // Our ephemeral node is gone while the session lives: someone deleted
      // it. We cannot be a member any more.
      this.lose(`election node ${this.node} was deleted`);
      return;
    }
    if (at === 0) {
      if (!this.leading) {
        this.leading = true;
        this.emit('elected', this.info);
      }
      return;
    }
    const before = joinPath(this.url.path, members[at - 1]!);
    const stat = await session.exists(before, () => this.check());
    if (!stat) this.checks.request(); // it went between the listing and the watch: look again
  }
}
