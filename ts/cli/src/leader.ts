// --master / --master-http may name ZooKeeper instead of one master
// (zk://host:port,…/path, as the masters' --zk): the CLI then asks ZooKeeper
// who leads and talks to that master. A master's own HTTP API also redirects
// (307) to the leader, so a fixed --master-http of any master works as well.

import { address, str, type ParsedFlags } from './ui/args.js';
import { CommandError, UsageError } from './ui/errors.js';

const DETECT_TIMEOUT_MS = 15_000;

/** The flag's HOST:PORT, or — for zk://… — the leader's gRPC (`master`) or HTTP (`master-http`) address. */
export async function masterAddress(flags: ParsedFlags, name: 'master' | 'master-http'): Promise<string> {
  const text = str(flags, name);
  if (!text?.startsWith('zk://')) return address(flags, name);
  return leaderAddress(text, `--${name}`, name === 'master' ? 'grpc' : 'http');
}

/** Asks ZooKeeper at `text` (zk://…) for the leading master's gRPC or HTTP address. */
export async function leaderAddress(text: string, flag: string, kind: 'grpc' | 'http'): Promise<string> {
  const { LeaderDetector, parseZkUrl } = await import('@tessera/ha');
  try {
    parseZkUrl(text, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const detector = new LeaderDetector({ zk: text });
  const slow = setTimeout(() => process.stderr.write(`waiting for ZooKeeper (${text}) to name the leading master…\n`), 2000);
  try {
    const leader = await Promise.race([
      detector.start().then(() => detector.leader() ?? detector.detect(null)),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), DETECT_TIMEOUT_MS).unref()),
    ]);
    if (!leader) {
      throw new CommandError(
        `no leading master in ZooKeeper at ${text} within ${DETECT_TIMEOUT_MS / 1000} s; are the masters running with --zk ${text}, and does ZooKeeper have quorum?`,
      );
    }
    const found = kind === 'grpc' ? leader.address : leader.httpAddress;
    if (!found) throw new CommandError(`the leading master ${leader.id} (${leader.address}) publishes no HTTP address; pass --master-http HOST:PORT`);
    return found;
  } finally {
    clearTimeout(slow);
    detector.stop();
  }
}
