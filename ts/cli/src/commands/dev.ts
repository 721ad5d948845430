// `tessera dev`: the embedded default — a standalone master and N agents in
// this one process, on this machine, ready for `tessera run`. The machine's
// resources are split among the agents (so N agents do not each claim the
// whole machine) and so is the port range [31000-32000], so tasks on
// different agents never get the same port. Daemon logs go to files in the
// work dir; the terminal shows addresses and what to try next.

import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tessera/common';
import { detectResources, startAgent } from '@tessera/agent';
import { startMaster } from '@tessera/master';
import { num, parseFlags, str, type CommandSpec } from '../ui/args.js';
import { table } from '../ui/table.js';
import { containerizerList } from './agent.js';
import { HOST_FLAG, LOG_LEVEL_FLAG, untilSignal } from './daemon-flags.js';
import { splitResources } from './dev-resources.js';

export const devSpec: CommandSpec = {
  name: 'dev',
  usage: 'tessera dev [--agents N] [options]',
  summary: 'Run a local cluster in one process: a standalone master and N agents on this machine.',
  flags: {
    agents: { type: 'string', short: 'n', arg: 'N', default: '3', help: 'How many agents' },
    host: HOST_FLAG,
    port: { type: 'string', arg: 'PORT', default: '5050', help: "The master's gRPC port" },
    'http-port': { type: 'string', arg: 'PORT', default: '5040', help: "The master's HTTP port" },
    'work-dir': { type: 'string', arg: 'DIR', help: 'Where state, sandboxes and logs go (default: a new temporary directory)' },
    'agent-resources': {
      type: 'string',
      arg: 'TEXT',
      help: "Each agent's resources (default: this machine's, split evenly), e.g. 'cpus:1;mem:1024'",
    },
    containerizers: {
      type: 'string',
      arg: 'LIST',
      default: 'native',
      help: 'Containerizers of each agent: native (posix where unavailable), docker, posix',
    },
    'log-level': LOG_LEVEL_FLAG,
  },
  details: 'Then, in another terminal:\n  npx tessera run -- echo hello\n  npx tessera agents\n  npx tessera tasks --all',
};

export async function devCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const flags = parseFlags(devSpec, argv);
  const count = num(flags, 'agents', { min: 0, max: 64, integer: true }) ?? 3;
  const host = str(flags, 'host') ?? '127.0.0.1';
  const workDir = str(flags, 'work-dir') ?? (await mkdtemp(join(tmpdir(), 'tessera-dev-')));
  const level = str(flags, 'log-level') ?? 'info';
  await mkdir(join(workDir, 'logs'), { recursive: true });

  const master = await startMaster({
    host,
    port: num(flags, 'port', { min: 0, max: 65535, integer: true }) ?? 5050,
    httpPort: num(flags, 'http-port', { min: 0, max: 65535, integer: true }) ?? 5040,
    workDir: join(workDir, 'master'),
    logger: createLogger('master', { level, destination: join(workDir, 'logs', 'master.log') }),
  });

  const containerizers = containerizerList(str(flags, 'containerizers') ?? 'native');
  const given = str(flags, 'agent-resources');
  const shares = given ? Array.from({ length: count }, () => given) : splitResources(await detectResources(), count);
  const agents = [];
  for (let i = 0; i < count; i++) {
    agents.push(
      await startAgent({
        master: master.grpcAddress,
        workDir: join(workDir, `agent-${i + 1}`),
        host,
        port: 0,
        hostname: `agent-${i + 1}`,
        resources: shares[i] ?? '',
        containerizers,
        logger: createLogger('agent', { level, destination: join(workDir, 'logs', `agent-${i + 1}.log`) }),
      }),
    );
  }
  const ids = await Promise.all(agents.map((a) => a.registered));

  out(`Tessera dev cluster is up (work dir ${workDir}).\n`);
  out(
    table(
      ['ROLE', 'ID', 'ADDRESS', 'RESOURCES'],
      [
        ['master', master.id, `gRPC ${master.grpcAddress}  HTTP http://${master.httpAddress}/state`, ''],
        ...agents.map((a, i) => [`agent-${i + 1}`, ids[i] ?? '', `HTTP http://${a.httpAddress}/state`, shares[i] ?? '']),
      ],
    ),
  );
  // The CLI's defaults point at 127.0.0.1:5050 and :5040; say so when this cluster is elsewhere.
  const defaults = master.grpcAddress === '127.0.0.1:5050' && master.httpAddress === '127.0.0.1:5040';
  const runHint = defaults ? '' : ` --master ${master.grpcAddress} --master-http ${master.httpAddress}`;
  const httpHint = defaults ? '' : ` --master-http ${master.httpAddress}`;
  out(
    [
      '',
      `Web UI: http://${master.httpAddress}/`,
      `Logs: ${join(workDir, 'logs')}`,
      'Try, in another terminal:',
      `  npx tessera run${runHint} -- echo hello`,
      `  npx tessera tasks --all${httpHint}`,
      `  npx tessera agents${httpHint}`,
      '',
      'Ctrl-C stops the cluster.',
    ].join('\n'),
  );

  await untilSignal();
  out('Stopping...');
  await Promise.all(agents.map((a) => a.stop()));
  await master.stop();
  return 0;
}
