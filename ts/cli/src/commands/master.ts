// `tessera master`: one master, standalone (file registry in --work-dir) or
// one of several elected through ZooKeeper (--zk). A master that loses its
// leadership exits with code 3, as a Mesos master aborts: its supervisor
// starts it again, as a standby.

import { createLogger } from '@tessera/common';
import { startMaster } from '@tessera/master';
import { num, parseFlags, str, type CommandSpec } from '../ui/args.js';
import { UsageError } from '../ui/errors.js';
import { HOST_FLAG, LOG_LEVEL_FLAG, untilSignal } from './daemon-flags.js';

export const masterSpec: CommandSpec = {
  name: 'master',
  usage: 'tessera master --work-dir DIR [options]',
  summary: 'Run a Tessera master: it admits agents, offers their resources to frameworks and tracks tasks.',
  flags: {
    'work-dir': { type: 'string', arg: 'DIR', env: 'TESSERA_WORK_DIR', help: 'Where the registry is kept (required)' },
    host: HOST_FLAG,
    port: { type: 'string', arg: 'PORT', env: 'TESSERA_PORT', default: '5050', help: 'gRPC port (schedulers, agents)' },
    'http-port': { type: 'string', arg: 'PORT', env: 'TESSERA_HTTP_PORT', default: '5040', help: 'HTTP port (/state, /health)' },
    'agent-ping-interval': { type: 'string', arg: 'SECONDS', default: '15', help: 'How often agents are pinged' },
    'max-agent-ping-timeouts': { type: 'string', arg: 'N', default: '5', help: 'Missed pings before an agent is unreachable' },
    'offer-timeout': { type: 'string', arg: 'SECONDS', help: 'Rescind offers not answered within this time (default: never)' },
    placement: { type: 'string', arg: 'binpack|spread', default: 'binpack', help: 'Order in which agents are offered' },
    zk: { type: 'string', arg: 'URL', env: 'TESSERA_ZK', help: 'zk://host:port,host:port/path: elect the leader among masters and keep the registry in ZooKeeper' },
    'zk-session-timeout': { type: 'string', arg: 'SECONDS', default: '10', help: 'ZooKeeper session timeout; a leader cut off for about this long steps down' },
    'advertise-host': { type: 'string', arg: 'HOST', help: 'Host others reach this master at (default: --host, or the hostname for 0.0.0.0)' },
    'log-level': LOG_LEVEL_FLAG,
    'agent-reregister-timeout': { type: 'string', arg: 'SECONDS', default: '600', help: 'After a restart or failover, how long agents have to re-register before they are unreachable' },
    'agent-unreachable-timeout': { type: 'string', arg: 'SECONDS', default: '1209600', help: 'After this long unreachable an agent is gone: removed, refused if it returns (1209600 s = 14 days)' },
    'agent-removal-rate-limit': { type: 'string', arg: 'RATE', help: 'At most this many agents marked unreachable per duration, e.g. 100/1mins (default: unlimited)' },
  },
  details:
    'Examples:\n  tessera master --work-dir /var/lib/tessera/master --host 0.0.0.0\n' +
    '  tessera master --work-dir /var/lib/tessera/master --zk zk://zk1:2181,zk2:2181,zk3:2181/tessera\n' +
    'Exit codes: 0 stopped by a signal, 3 lost leadership (restart it: it comes back as a standby).',
};

export async function masterCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(masterSpec, argv);
  const workDir = str(flags, 'work-dir');
  if (!workDir) throw new UsageError('master: --work-dir is required (or set TESSERA_WORK_DIR): the registry of agents and frameworks lives there');
  const placement = str(flags, 'placement');
  if (placement !== 'binpack' && placement !== 'spread') throw new UsageError(`--placement: '${placement}' is not binpack or spread`);
  const offerTimeout = num(flags, 'offer-timeout', { min: 0.001 });
  const zk = str(flags, 'zk');
  const advertiseHost = str(flags, 'advertise-host');
  const removalRate = str(flags, 'agent-removal-rate-limit');
  const master = await startMaster({
    host: str(flags, 'host') ?? '127.0.0.1',
    port: num(flags, 'port', { min: 0, max: 65535, integer: true }) ?? 5050,
    httpPort: num(flags, 'http-port', { min: 0, max: 65535, integer: true }) ?? 5040,
    workDir,
    agentPingIntervalSeconds: num(flags, 'agent-ping-interval', { min: 0.01 }) ?? 15,
    maxAgentPingTimeouts: num(flags, 'max-agent-ping-timeouts', { min: 1, integer: true }) ?? 5,
    ...(offerTimeout !== undefined ? { offerTimeoutSeconds: offerTimeout } : {}),
    placement,
    ...(zk !== undefined ? { zk, zkSessionTimeoutSeconds: num(flags, 'zk-session-timeout', { min: 0.1 }) ?? 10 } : {}),
    ...(advertiseHost !== undefined ? { advertiseHost } : {}),
    agentReregisterTimeoutSeconds: num(flags, 'agent-reregister-timeout', { min: 0.001, max: 86_400 }) ?? 600,
    agentUnreachableTimeoutSeconds: num(flags, 'agent-unreachable-timeout', { min: 0.001, max: 31_536_000 }) ?? 1_209_600,
    ...(removalRate !== undefined ? { agentRemovalRateLimit: removalRate } : {}),
    logger: createLogger('master', { level: str(flags, 'log-level') ?? 'info' }),
  });
  process.stderr.write(
    `tessera master ${master.id}: gRPC ${master.grpcAddress}, HTTP http://${master.httpAddress}/state${zk ? ' (standing by until elected)' : ''}\n`,
  );
  const outcome = await Promise.race([untilSignal().then(() => 'signal' as const), master.lost.then((why) => ({ lost: why }))]);
  await master.stop();
  if (outcome !== 'signal') {
    process.stderr.write(`tessera master ${master.id}: lost leadership (${outcome.lost}); exiting with code 3 so a supervisor restarts it as a standby\n`);
    return 3;
  }
  return 0;
}
