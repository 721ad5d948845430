// `tessera agent`: one agent, dialing its master.

import { createLogger } from '@tessera/common';
import { startAgent } from '@tessera/agent';
import { address, num, parseFlags, str, type CommandSpec } from '../ui/args.js';
import { UsageError } from '../ui/errors.js';
import { MASTER_FLAG } from './common-flags.js';
import { HOST_FLAG, LOG_LEVEL_FLAG, untilSignal } from './daemon-flags.js';

export const agentSpec: CommandSpec = {
  name: 'agent',
  usage: 'tessera agent --master HOST:PORT --work-dir DIR [options]',
  summary: "Run a Tessera agent: it offers this machine's resources to the master and runs tasks in sandboxes.",
  flags: {
    master: MASTER_FLAG,
    'work-dir': { type: 'string', arg: 'DIR', env: 'TESSERA_WORK_DIR', help: 'Sandboxes and checkpoints (required)' },
    host: HOST_FLAG,
    port: { type: 'string', arg: 'PORT', env: 'TESSERA_PORT', default: '5051', help: 'HTTP port (state, sandbox files)' },
    hostname: { type: 'string', arg: 'NAME', help: "Hostname to advertise (default: the machine's)" },
    resources: {
      type: 'string',
      arg: 'TEXT',
      env: 'TESSERA_RESOURCES',
      help: "Override detected resources, e.g. 'cpus:4;mem:8192;ports:[31000-32000];cpus(ml):2'",
    },
    attributes: { type: 'string', arg: 'TEXT', env: 'TESSERA_ATTRIBUTES', help: "Attributes, e.g. 'rack:r1;zone:eu-1a'" },
    'log-level': LOG_LEVEL_FLAG,
  },
  details: 'Example:\n  tessera agent --master 10.0.0.1:5050 --work-dir /var/lib/tessera/agent --resources "cpus:8;mem:16384"',
};

export async function agentCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(agentSpec, argv);
  const workDir = str(flags, 'work-dir');
  if (!workDir) throw new UsageError('agent: --work-dir is required (or set TESSERA_WORK_DIR): sandboxes and checkpoints live there');
  const resources = str(flags, 'resources');
  const attributes = str(flags, 'attributes');
  const hostname = str(flags, 'hostname');
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent({
      master: address(flags, 'master'),
      workDir,
      host: str(flags, 'host') ?? '127.0.0.1',
      port: num(flags, 'port', { min: 0, max: 65535, integer: true }) ?? 5051,
      ...(hostname ? { hostname } : {}),
      ...(resources ? { resources } : {}),
      ...(attributes ? { attributes } : {}),
      logger: createLogger('agent', { level: str(flags, 'log-level') ?? 'info' }),
    });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(`agent: ${err.message}`);
    throw err;
  }
  process.stderr.write(`tessera agent: HTTP http://${agent.httpAddress}/state, master ${str(flags, 'master')}\n`);
  const id = await Promise.race([agent.registered, untilSignal().then(() => undefined)]);
  if (id !== undefined) {
    process.stderr.write(`tessera agent ${id}: registered\n`);
    await untilSignal();
  }
  await agent.stop();
  return 0;
}
