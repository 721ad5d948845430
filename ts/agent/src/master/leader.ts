// An agent given --master zk://host:port,…/path finds the leading master in
// ZooKeeper (as a Mesos agent's detector does) and moves to each new leader
// as it is elected. @tessera/ha is loaded only here, on demand: an agent
// given a fixed address never loads the native ZooKeeper client.

import type { Logger } from '@tessera/common';

export interface LeaderFollower {
  stop(): void;
}

/** Calls `onLeader(address)` with the first leader ZooKeeper names and each later one; logs while none is known. */
export async function followLeader(url: string, logger: Logger, onLeader: (address: string) => void): Promise<LeaderFollower> {
  const { LeaderDetector } = await import('@tessera/ha');
  const detector = new LeaderDetector({ zk: url });
  let known: string | undefined;
  let waiting: NodeJS.Timeout | undefined;
  const startWaiting = (): void => {
    const since = performance.now();
    clearInterval(waiting);
    // Progress while there is no leader: an operator at 3 a.m. sees why the agent sits idle.
    waiting = setInterval(() => {
      logger.warn({ zk: url, waitingSeconds: Math.round((performance.now() - since) / 1000) }, 'no leading master in ZooKeeper yet; still waiting');
    }, 10_000);
    waiting.unref();
  };
  startWaiting();
  detector.on('warning', (err: unknown) => logger.warn({ err }, 'zookeeper: could not read the leading master'));
  detector.on('leader', (leader: { address: string; id: string } | null) => {
    if (!leader) {
      logger.warn({ zk: url }, 'ZooKeeper names no leading master now; keeping the last one until another is elected');
      startWaiting();
      return;
    }
    clearInterval(waiting);
    if (leader.address === known) return;
    known = leader.address;
    logger.info({ master: leader.address, masterId: leader.id }, 'leading master detected');
    onLeader(leader.address);
  });
  void detector.start();
  return {
    stop: () => {
      clearInterval(waiting);
      detector.stop();
    },
  };
}
