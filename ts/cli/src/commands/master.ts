// `tessera master`: one standalone master (ZooKeeper election comes later).

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
    'log-level': LOG_LEVEL_FLAG,
  },
  details: 'Example:\n  tessera master --work-dir /var/lib/tessera/master --host 0.0.0.0',
};

export async function masterCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(masterSpec, argv);
  const workDir = str(flags, 'work-dir');
  if (!workDir) throw new UsageError('master: --work-dir is required (or set TESSERA_WORK_DIR): the registry of agents and frameworks lives there');
  const placement = str(flags, 'placement');
  if (placement !== 'binpack' && placement !== 'spread') throw new UsageError(`--placement: '${placement}' is not binpack or spread`);
  const offerTimeout = num(flags, 'offer-timeout', { min: 0.001 });
  const master = await startMaster({
    host: str(flags, 'host') ?? '127.0.0.1',
    port: num(flags, 'port', { min: 0, max: 65535, integer: true }) ?? 5050,
    httpPort: num(flags, 'http-port', { min: 0, max: 65535, integer: true }) ?? 5040,
    workDir,
    agentPingIntervalSeconds: num(flags, 'agent-ping-interval', { min: 0.01 }) ?? 15,
    maxAgentPingTimeouts: num(flags, 'max-agent-ping-timeouts', { min: 1, integer: true }) ?? 5,
    ...(offerTimeout !== undefined ? { offerTimeoutSeconds: offerTimeout } : {}),
    placement,
    logger: createLogger('master', { level: str(flags, 'log-level') ?? 'info' }),
  });
  process.stderr.write(`tessera master ${master.id}: gRPC ${master.grpcAddress}, HTTP http://${master.httpAddress}/state\n`);
  await untilSignal();
  await master.stop();
  return 0;
}
