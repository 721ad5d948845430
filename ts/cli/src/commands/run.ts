// `tessera run`: launch a one-off task (or N instances) like mesos-execute —
// subscribe as a short-lived framework, place the tasks on the offers that
// come, show each task's state transitions (stderr) and stream its output
// (stdout/stderr, from the agent's sandbox), and exit with the task's exit
// code. Ctrl-C kills the tasks (with the grace period) and tears down.

import { ContainerInfo_Type, TERMINAL_TASK_STATES, TaskState, shortTaskState, silentLogger, type Environment, type Offer, type TaskStatus } from '@tessera/common';
import { SchedulerClient, planLaunches } from '@tessera/sdk';
import { address, bool, list, num, parseFlags, str, type CommandSpec } from '../ui/args.js';
import { CommandError, UsageError } from '../ui/errors.js';
import { Progress } from '../ui/table.js';
import { JSON_FLAG, MASTER_FLAG, MASTER_HTTP_FLAG } from './common-flags.js';
import { OutputStreamer } from './run-output.js';
import { leaderAddress, masterAddress as resolveMaster } from '../leader.js';

export const runSpec: CommandSpec = {
  name: 'run',
  usage: "tessera run [options] -- COMMAND [ARGS...]    or    tessera run [options] --command 'SHELL LINE'",
  summary: 'Launch a task (or --instances N of it), show its state transitions, stream its output and exit with its exit code.',
  positionals: true,
  flags: {
    master: MASTER_FLAG,
    'master-http': MASTER_HTTP_FLAG,
    command: { type: 'string', short: 'c', arg: 'LINE', help: 'A shell command line, run with sh -c' },
    name: { type: 'string', arg: 'NAME', help: 'Task name (default: the command)' },
    instances: { type: 'string', short: 'n', arg: 'N', default: '1', help: 'How many copies to run' },
    cpus: { type: 'string', arg: 'N', default: '0.1', help: 'CPUs per task' },
    mem: { type: 'string', arg: 'MIB', default: '32', help: 'Memory per task, MiB' },
    disk: { type: 'string', arg: 'MIB', help: 'Disk per task, MiB' },
    gpus: { type: 'string', arg: 'N', help: 'GPUs per task' },
    role: { type: 'string', arg: 'ROLE', default: '*', help: 'Role to take resources for' },
    'docker-image': { type: 'string', arg: 'IMAGE', help: 'Run in a Docker container of this image (the agent needs --containerizers docker)' },
    env: { type: 'string', short: 'e', arg: 'NAME=VALUE', multiple: true, help: 'Environment variable for the task' },
    uri: { type: 'string', arg: 'URL', multiple: true, help: 'File fetched into the sandbox first' },
    'grace-period': { type: 'string', arg: 'SECONDS', default: '3', help: 'SIGTERM→SIGKILL grace when killed' },
    'offer-timeout': { type: 'string', arg: 'SECONDS', default: '60', help: 'Give up if no offer fits within this time' },
    quiet: { type: 'boolean', short: 'q', help: "Don't stream the task's output" },
    json: { ...JSON_FLAG, help: 'Print state transitions as JSON lines on stdout (no output streaming)' },
  },
  details: [
    'Examples:',
    '  tessera run -- echo hello',
    "  tessera run --instances 5 --cpus 0.5 --mem 128 --command 'echo $TESSERA_TASK_ID; sleep 2'",
    '  tessera run -e GREETING=hi -- sh -c \'echo $GREETING\'',
    '',
    'Exit status: the task\'s exit code (FINISHED: 0; FAILED: its code); 1 if it was lost,',
    'killed or could not start; with --instances, the first non-zero of them.',
  ].join('\n'),
};

interface TaskProgress {
  id: string;
  agentId?: string;
  states: string[];
  done: boolean;
  exitCode: number;
}

// UNKNOWN is not terminal for the master, but for a run it is the end: the
// master does not know the task.
const TERMINAL = new Set([...TERMINAL_TASK_STATES, TaskState.UNKNOWN]);

function exitCodeOf(status: TaskStatus): number {
  if (status.state === TaskState.FINISHED) return 0;
  if (status.state === TaskState.FAILED) return status.exitCode !== undefined && status.exitCode !== 0 ? status.exitCode : 1;
  if (status.state === TaskState.KILLED) return status.exitCode ?? 137;
  return 1;
}

export async function runCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const flags = parseFlags(runSpec, argv);
  const shellLine = str(flags, 'command');
  const argvCmd = flags.positionals;
  if (shellLine !== undefined && argvCmd.length > 0) throw new UsageError('run: give either --command or a command after --, not both');
  if (shellLine === undefined && argvCmd.length === 0) throw new UsageError('run: no command; e.g. tessera run -- echo hello');
  if (shellLine !== undefined && shellLine.trim() === '') throw new UsageError('--command: must not be empty');
  const instances = num(flags, 'instances', { min: 1, max: 100_000, integer: true }) ?? 1;
  const cpus = num(flags, 'cpus', { min: 0 }) ?? 0.1;
  const mem = num(flags, 'mem', { min: 0 }) ?? 32;
  const disk = num(flags, 'disk', { min: 0 });
  const gpus = num(flags, 'gpus', { min: 0, integer: true });
  const grace = num(flags, 'grace-period', { min: 0 }) ?? 3;
  const offerTimeout = num(flags, 'offer-timeout', { min: 0.1 }) ?? 60;
  const role = str(flags, 'role') ?? '*';
  const json = bool(flags, 'json');
  const stream = !bool(flags, 'quiet') && !json;
  const variables: Environment['variables'] = list(flags, 'env').map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env: '${kv}' is not NAME=VALUE`);
    return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
  });
  const uris = list(flags, 'uri').map((value) => ({ value, executable: false, extract: true, cache: false, outputFile: '' }));
  const commandText = shellLine ?? argvCmd.join(' ');
  const name = str(flags, 'name') ?? commandText.slice(0, 64);
  const resources = [`cpus:${cpus}`, `mem:${mem}`, ...(disk ? [`disk:${disk}`] : []), ...(gpus ? [`gpus:${gpus}`] : [])].join(';');
  const command =
    shellLine !== undefined
      ? { value: shellLine, shell: true, arguments: [], environment: { variables }, uris, user: '' }
      : { value: argvCmd[0]!, shell: false, arguments: argvCmd, environment: { variables }, uris, user: '' };

  const dockerImage = str(flags, 'docker-image');
  const container = dockerImage
    ? { type: ContainerInfo_Type.DOCKER, docker: { image: dockerImage, network: 'host', privileged: false, forcePullImage: false } }
    : undefined;
  // zk://…: the SDK follows the leader itself; the HTTP API is the leader's too.
  const zkMaster = str(flags, 'master')?.startsWith('zk://') ? str(flags, 'master') : undefined;
  const masterAddress = zkMaster ?? address(flags, 'master');
  const httpAddress = zkMaster ? await leaderAddress(zkMaster, '--master', 'http') : await resolveMaster(flags, 'master-http');
  const idPrefix = `run-${Date.now().toString(36)}`;
  const client = new SchedulerClient({
    master: masterAddress,
    framework: {
      name: `tessera run: ${name}`,
      roles: [role],
      failoverTimeoutSeconds: 0,
      capabilities: gpus ? ['GPU_RESOURCES'] : [],
    },
    autoAcknowledge: true,
    // The SDK's JSON logs are for daemons; here the progress line says it.
    logger: silentLogger(),
  });

  const tasks = new Map<string, TaskProgress>();
  const streamer = stream ? new OutputStreamer(httpAddress, instances > 1, out, err) : undefined;
  let remaining = instances;
  let nextIndex = 0;
  let finished = 0;
  let launchedAll = false;
  let interrupted = false;
  let subscribed = false;
  let lastDisconnect = '';
  const progress = json ? undefined : new Progress(`waiting for offers from ${masterAddress}`);
  const offerDeadline = setTimeout(() => {
    if (!launchedAll) void client.close();
  }, offerTimeout * 1000);
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    err('\ntessera run: interrupted; killing the tasks (Ctrl-C again to leave them)');
    for (const t of tasks.values()) if (!t.done) void client.kill(t.id, t.agentId, { gracePeriodSeconds: grace }).catch(() => undefined);
    if (tasks.size === 0) void client.close();
  };
  process.on('SIGINT', onSignal);

  const report = (t: TaskProgress, status: TaskStatus): void => {
    const state = shortTaskState(status.state);
    if (t.states[t.states.length - 1] === state) return;
    t.states.push(state);
    if (json) {
      out(JSON.stringify({ taskId: t.id, agentId: status.agentId, state, message: status.message || undefined, exitCode: status.exitCode }));
    } else {
      // One line per transition as it happens; the last one sums the task up.
      progress?.done();
      const who = instances > 1 ? `${t.id}: ` : '';
      if (TERMINAL.has(status.state)) {
        const detail = status.message ? ` (${status.message})` : '';
        err(`${who}${t.states.join(' → ')}${detail}`);
      } else {
        const where = state === 'STAGING' ? `task ${t.id}` : status.message || '';
        err(`${who}${state}${where ? `  ${where}` : ''}`);
      }
    }
  };

  try {
    for await (const event of client.events()) {
      if (event.type === 'subscribed') {
        subscribed = true;
        if (!launchedAll) progress?.update(`subscribed to ${masterAddress}; waiting for offers`);
      } else if (event.type === 'disconnected') {
        lastDisconnect = event.reason;
        progress?.update(`cannot reach the master at ${masterAddress}; retrying (${event.reason.split('.')[0]})`);
      } else if (event.type === 'offers') {
        if (remaining === 0) {
          await client.decline(event.offers.map((o: Offer) => o.id), { refuseSeconds: 3600 });
          continue;
        }
        const plan = planLaunches(event.offers, [
          { name, idPrefix, count: remaining, resources, command, ...(container ? { container } : {}) },
        ]);
        // Number the tasks across offer batches: run-<time>-0, -1, ...
        for (const launch of plan.launches) for (const task of launch.tasks) task.taskId = `${idPrefix}-${nextIndex++}`;
        const used = new Set<string>();
        for (const launch of plan.launches) {
          launch.offerIds.forEach((id: string) => used.add(id));
          await client.launch(launch.offerIds, launch.tasks, { refuseSeconds: 5 });
          // Accepted: the master holds the tasks in STAGING until the agent reports.
          for (const task of launch.tasks) {
            const t: TaskProgress = { id: task.taskId, agentId: launch.agentId, states: [], done: false, exitCode: 0 };
            tasks.set(task.taskId, t);
            report(t, { taskId: task.taskId, state: TaskState.STAGING, agentId: launch.agentId } as TaskStatus);
            remaining--;
          }
        }
        const unused = event.offers.map((o: Offer) => o.id).filter((id: string) => !used.has(id));
        if (unused.length > 0) await client.decline(unused, { refuseSeconds: remaining === 0 ? 3600 : 1 });
        if (remaining === 0 && !launchedAll) {
          launchedAll = true;
          clearTimeout(offerDeadline);
          await client.suppress().catch(() => undefined);
          progress?.update(`launched ${instances} task${instances > 1 ? 's' : ''}`);
        } else if (remaining > 0) {
          progress?.update(`launched ${instances - remaining} of ${instances}; waiting for more offers`);
        }
      } else if (event.type === 'update') {
        const status = event.status;
        const t = tasks.get(status.taskId);
        if (!t || t.done) continue;
        if (status.agentId) t.agentId = status.agentId;
        report(t, status);
        if (status.state === TaskState.RUNNING || TERMINAL.has(status.state)) streamer?.follow(status);
        if (TERMINAL.has(status.state)) {
          t.done = true;
          t.exitCode = exitCodeOf(status);
          finished++;
          await streamer?.finish(status);
          if (finished === instances) break;
        }
      } else if (event.type === 'error') {
        throw new CommandError(`the master removed this run's framework: ${event.message}`);
      }
    }
  } finally {
    clearTimeout(offerDeadline);
    progress?.done();
    process.off('SIGINT', onSignal);
    await client.teardown().catch(() => undefined);
    await client.close();
    await streamer?.close();
  }
  if (!launchedAll && !interrupted && !subscribed) {
    throw new CommandError(
      `could not subscribe to the master at ${masterAddress} within ${offerTimeout}s` +
        `${lastDisconnect ? ` (${lastDisconnect.split('.')[0]})` : ''}; is it running? ` +
        'Start one with `tessera dev`, or point at it with --master HOST:PORT (env TESSERA_MASTER)',
    );
  }
  if (!launchedAll && !interrupted) {
    throw new CommandError(
      `no offer fitted ${remaining} more task(s) of ${resources} within ${offerTimeout}s; ` +
        'check `tessera agents` for free resources, or ask for less (--cpus, --mem)',
    );
  }
  const codes = [...tasks.values()].map((t) => (t.done ? t.exitCode : 1));
  return codes.find((c) => c !== 0) ?? 0;
}
