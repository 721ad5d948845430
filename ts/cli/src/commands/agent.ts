// `tessera agent`: one agent, dialing its master.

import { createLogger } from '@tessera/common';
import { startAgent, type RecoverMode } from '@tessera/agent';
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
    containerizers: {
      type: 'string',
      arg: 'LIST',
      env: 'TESSERA_CONTAINERIZERS',
      default: 'native',
      help: 'Comma-separated: native (namespaces + cgroups; posix where unavailable), docker, posix',
    },
    'docker-socket': { type: 'string', arg: 'PATH', default: '/var/run/docker.sock', help: "The Docker Engine's socket" },
    'cgroups-root': { type: 'string', arg: 'DIR', default: '/sys/fs/cgroup', help: 'Where the cgroup hierarchies are mounted' },
    'pids-max': { type: 'string', arg: 'N', default: '4096', help: 'Most processes in one native container' },
    'fetcher-cache-bytes': { type: 'string', arg: 'BYTES', default: String(2 * 1024 ** 3), help: "Bound of the fetcher's cache" },
    'fetcher-max-bytes': { type: 'string', arg: 'BYTES', default: String(10 * 1024 ** 3), help: 'Largest file one URI may bring' },
    'fetcher-stall-timeout': { type: 'string', arg: 'SECONDS', default: '60', help: 'Abort a download that receives nothing this long' },
    'sandbox-gc-delay': { type: 'string', arg: 'SECONDS', default: String(7 * 86_400), help: "Keep a finished executor's sandbox this long" },
    'gc-disk-headroom': { type: 'string', arg: '0..1', default: '0.1', help: 'Disk fraction sandbox GC keeps free by collecting sooner' },
    'disk-watch-interval': { type: 'string', arg: 'SECONDS', default: '60', help: 'How often disk usage is checked for sandbox GC' },
    recover: {
      type: 'string',
      arg: 'MODE',
      env: 'TESSERA_RECOVER',
      default: 'reconnect',
      help: 'After a restart: reconnect (re-attach the tasks left running, keep the agent id) or cleanup (kill them, join as a new agent)',
    },
    'on-stop': {
      type: 'string',
      arg: 'kill|leave',
      env: 'TESSERA_AGENT_ON_STOP',
      default: 'kill',
      help: "On SIGTERM/SIGINT: kill the tasks, or leave native and Docker containers running for the next agent to re-attach (upgrades; a SIGKILLed agent always leaves them)",
    },
    'log-level': LOG_LEVEL_FLAG,
  },
  details:
    'Examples:\n  tessera agent --master 10.0.0.1:5050 --work-dir /var/lib/tessera/agent --resources "cpus:8;mem:16384"\n' +
    '  tessera agent --master zk://zk1:2181,zk2:2181,zk3:2181/tessera --work-dir /var/lib/tessera/agent --on-stop leave   # restarts keep tasks',
};

const CONTAINERIZERS = ['native', 'docker', 'posix'] as const;
type ContainerizerName = (typeof CONTAINERIZERS)[number];

/** "native,docker" → ['native', 'docker'], refusing unknown names. */
export function containerizerList(text: string): ContainerizerName[] {
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--containerizers: name at least one of native, docker, posix');
  for (const n of names) {
    if (!(CONTAINERIZERS as readonly string[]).includes(n)) {
      throw new UsageError(`--containerizers: '${n}' is not one of native, docker, posix`);
    }
  }
  return [...new Set(names)] as ContainerizerName[];
}

export async function agentCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(agentSpec, argv);
  const workDir = str(flags, 'work-dir');
  if (!workDir) throw new UsageError('agent: --work-dir is required (or set TESSERA_WORK_DIR): sandboxes and checkpoints live there');
  const resources = str(flags, 'resources');
  const attributes = str(flags, 'attributes');
  const hostname = str(flags, 'hostname');
  const onStop = str(flags, 'on-stop') ?? 'kill';
  if (onStop !== 'kill' && onStop !== 'leave') throw new UsageError(`--on-stop: '${onStop}' is not kill or leave`);
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent({
      // zk://… is checked (and followed) by the agent itself.
      master: str(flags, 'master')?.startsWith('zk://') ? str(flags, 'master')! : address(flags, 'master'),
      workDir,
      host: str(flags, 'host') ?? '127.0.0.1',
      port: num(flags, 'port', { min: 0, max: 65535, integer: true }) ?? 5051,
      ...(hostname ? { hostname } : {}),
      ...(resources ? { resources } : {}),
      ...(attributes ? { attributes } : {}),
      containerizers: containerizerList(str(flags, 'containerizers') ?? 'native'),
      dockerSocket: str(flags, 'docker-socket') ?? '/var/run/docker.sock',
      cgroupsRoot: str(flags, 'cgroups-root') ?? '/sys/fs/cgroup',
      pidsMax: num(flags, 'pids-max', { min: 1, integer: true }) ?? 4096,
      fetcherCacheBytes: num(flags, 'fetcher-cache-bytes', { min: 0, integer: true }) ?? 2 * 1024 ** 3,
      fetcherMaxBytes: num(flags, 'fetcher-max-bytes', { min: 1, integer: true }) ?? 10 * 1024 ** 3,
      fetcherStallTimeoutSeconds: num(flags, 'fetcher-stall-timeout', { min: 0.001 }) ?? 60,
      sandboxGcDelaySeconds: num(flags, 'sandbox-gc-delay', { min: 0 }) ?? 7 * 86_400,
      sandboxGcDiskHeadroom: num(flags, 'gc-disk-headroom', { min: 0, max: 1 }) ?? 0.1,
      diskWatchIntervalSeconds: num(flags, 'disk-watch-interval', { min: 0.01 }) ?? 60,
      // Checked by the agent (a TypeError naming `recover`, shown as a usage error).
      recover: (str(flags, 'recover') ?? 'reconnect') as RecoverMode,
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
  if (onStop === 'leave') process.stderr.write('tessera agent: stopping; its tasks run on for the next agent on this work dir to re-attach\n');
  await agent.stop({ killTasks: onStop === 'kill' });
  return 0;
}
