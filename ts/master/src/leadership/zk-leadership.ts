// A master's leadership through ZooKeeper: it contends (an ephemeral
// sequential node holding its MasterInfo) and watches who leads (so a
// standby can point callers at the leader).
//
// Events: 'elected' once, when this master leads; 'lost' (why) once, when its
// session is gone or its node deleted: the master must stop acting at once.

import { EventEmitter } from 'node:events';

import type { Logger } from '@tessera/common';
import { LeaderDetector, MasterContender, electionMembers, joinPath, parseMasterInfo, type MasterInfo, type ZkSession, type ZkUrl } from '@tessera/ha';

export class ZkLeadership extends EventEmitter {
  readonly #contender: MasterContender;
  readonly #detector: LeaderDetector;
  readonly #log: Logger;
  readonly #url: ZkUrl;
  #members: MasterInfo[] = [];
  #membersAt = -Infinity;
  #stopped = false;

  constructor(url: ZkUrl, info: MasterInfo, sessionTimeoutMs: number, log: Logger) {
    super();
    this.#log = log;
    this.#url = url;
    this.#contender = new MasterContender({ zk: url, info, sessionTimeoutMs });
    this.#detector = new LeaderDetector({ zk: url, sessionTimeoutMs });
    this.#contender.on('elected', () => this.emit('elected'));
    this.#contender.on('lost', (why: string) => this.emit('lost', why));
    this.#contender.on('warning', (err: unknown) => log.warn({ err }, 'zookeeper: election call failed; retrying'));
    this.#detector.on('warning', (err: unknown) => log.warn({ err }, 'zookeeper: could not read the leader'));
    this.#detector.on('leader', (leader: MasterInfo | null) => {
      log.info({ leader: leader?.address ?? null, leaderId: leader?.id ?? null }, leader ? 'leading master detected' : 'no leading master');
    });
  }

  /** Starts watching and contending; resolves once this master's election node exists. */
  async start(): Promise<void> {
    void this.#detector.start();
    await this.#contender.contend();
    this.#log.info({ node: this.#contender.nodePath, sessionTimeoutMs: this.#contender.sessionTimeoutMs }, 'contending for leadership');
  }

  get isLeader(): boolean {
    return this.#contender.isLeader;
  }

  /** The leader as last detected (null: none known). */
  leader(): MasterInfo | null {
    return this.#contender.isLeader ? this.#contender.info : this.#detector.leader();
  }

  /**
   * Every master in the election now (leader first), read from ZooKeeper at
   * most every 2 s: /health lists them so a client whose master died can try
   * the others.
   */
  async members(): Promise<MasterInfo[]> {
    const session = this.#contender.zkSession;
    if (!session || session.isLost) return this.#members;
    if (performance.now() - this.#membersAt < 2000) return this.#members;
    this.#membersAt = performance.now();
    try {
      const path = this.#url.path;
      const nodes = electionMembers(await session.children(path));
      const infos = await Promise.all(
        nodes.map(async (node) => {
          try {
            const [, data] = await session.get(joinPath(path, node));
            return parseMasterInfo(data, joinPath(path, node));
          } catch {
            return undefined; // gone between the listing and the read, or unreadable
          }
        }),
      );
      this.#members = infos.filter((i): i is MasterInfo => i !== undefined);
    } catch (err) {
      this.#log.warn({ err }, 'zookeeper: could not list the masters');
    }
    return this.#members;
  }

  /** Whether this master's election node still exists, as a ZooKeeper server answers now (a round trip). */
  async confirm(): Promise<boolean> {
    const session = this.#contender.zkSession;
    const node = this.#contender.nodePath;
    if (!session || !node || session.isLost || !this.#contender.isLeader) return false;
    return (await session.exists(node)) !== undefined;
  }

  /** The session of the election node: the registry writes through it. */
  get session(): ZkSession {
    const session = this.#contender.zkSession;
    if (!session) throw new Error('zookeeper: no session yet (start() first)');
    return session;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#contender.withdraw();
    this.#detector.stop();
  }
}
