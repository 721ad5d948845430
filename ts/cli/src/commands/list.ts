// `tessera ps` / `tasks`, `tessera agents`, `tessera frameworks`: the master's
// /state as tables, or as JSON with --json (the same objects /state returns).

import { address, bool, parseFlags, type CommandSpec } from '../ui/args.js';
import { age, mib, table, trim } from '../ui/table.js';
import { masterState, scalar, type TaskJson } from '../master-http.js';
import { JSON_FLAG, MASTER_HTTP_FLAG } from './common-flags.js';
import { masterAddress } from '../leader.js';

const ACTIVE_STATES = new Set(['STAGING', 'STARTING', 'RUNNING', 'KILLING', 'UNREACHABLE']);

export const tasksSpec: CommandSpec = {
  name: 'tasks',
  usage: 'tessera tasks [--all] [--state S] [--framework ID] [--json]   (alias: tessera ps)',
  summary: 'List tasks the master knows: live ones, and with --all the completed ones too.',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Include completed tasks.' },
    state: { type: 'string', arg: 'STATE', help: 'Only tasks in this state (RUNNING, FINISHED, ...).' },
    framework: { type: 'string', arg: 'ID', help: 'Only tasks of this framework.' },
    'master-http': MASTER_HTTP_FLAG,
    json: JSON_FLAG,
  },
};

export async function tasksCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const flags = parseFlags(tasksSpec, argv);
  const state = await masterState(await masterAddress(flags, 'master-http'));
  const wanted = typeof flags.values.state === 'string' ? flags.values.state.toUpperCase().replace(/^TASK_/, '') : undefined;
  const framework = flags.values.framework;
  let tasks: TaskJson[] = [...state.tasks, ...(bool(flags, 'all') ? state.completedTasks ?? [] : [])];
  if (wanted) tasks = tasks.filter((t) => t.state === wanted);
  if (typeof framework === 'string') tasks = tasks.filter((t) => t.frameworkId === framework);
  if (bool(flags, 'json')) {
    out(JSON.stringify(tasks, null, 2));
    return 0;
  }
  if (tasks.length === 0) {
    out(bool(flags, 'all') ? 'No tasks.' : 'No live tasks (tessera tasks --all shows completed ones).');
    return 0;
  }
  const hostnames = new Map(state.agents.map((a) => [a.id, a.hostname]));
  const frameworks = new Map([...state.frameworks, ...(state.completedFrameworks ?? [])].map((f) => [f.id, f.name]));
  out(
    table(
      ['ID', 'NAME', 'STATE', 'FRAMEWORK', 'AGENT', 'CPUS', 'MEM', 'UPDATED'],
      tasks.map((t) => {
        const last = t.statuses?.[t.statuses.length - 1];
        const when = last?.timestamp === undefined ? undefined : new Date(typeof last.timestamp === 'number' ? last.timestamp * 1000 : last.timestamp).toISOString();
        return [
          t.id,
          t.name,
          t.state + (last?.exitCode !== undefined && !ACTIVE_STATES.has(t.state) ? ` (${last.exitCode})` : '') + healthOf(t),
          frameworks.get(t.frameworkId) ?? t.frameworkId,
          hostnames.get(t.agentId) ?? t.agentId,
          trim(scalar(t.resources, 'cpus')),
          mib(scalar(t.resources, 'mem')),
          age(when),
        ];
      }),
    ),
  );
  return 0;
}

/** " healthy" / " unhealthy" from the task's latest health verdict, if it has a health check. */
function healthOf(t: TaskJson): string {
  const verdict = [...(t.statuses ?? [])].reverse().find((s) => s.healthy !== undefined)?.healthy;
  return verdict === undefined || !ACTIVE_STATES.has(t.state) ? '' : verdict ? ' healthy' : ' unhealthy';
}

export const agentsSpec: CommandSpec = {
  name: 'agents',
  usage: 'tessera agents [--json]',
  summary: 'List the agents the master has admitted, with their resources in use.',
  flags: { 'master-http': MASTER_HTTP_FLAG, json: JSON_FLAG },
};

export async function agentsCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const flags = parseFlags(agentsSpec, argv);
  const state = await masterState(await masterAddress(flags, 'master-http'));
  if (bool(flags, 'json')) {
    out(JSON.stringify(state.agents, null, 2));
    return 0;
  }
  if (state.agents.length === 0) {
    out('No agents. Start one with `tessera agent --master HOST:PORT`.');
    return 0;
  }
  const tasksOn = new Map<string, number>();
  for (const t of state.tasks) tasksOn.set(t.agentId, (tasksOn.get(t.agentId) ?? 0) + 1);
  out(
    table(
      ['ID', 'HOSTNAME', 'ADDRESS', 'STATE', 'CPUS (USED/TOTAL)', 'MEM (USED/TOTAL)', 'TASKS', 'AGE'],
      state.agents.map((a) => [
        a.id,
        a.hostname,
        a.address,
        a.state,
        `${trim(scalar(a.used, 'cpus'))}/${trim(scalar(a.total, 'cpus'))}`,
        `${mib(scalar(a.used, 'mem'))}/${mib(scalar(a.total, 'mem'))}`,
        String(tasksOn.get(a.id) ?? 0),
        age(a.registeredAt),
      ]),
    ),
  );
  return 0;
}

export const frameworksSpec: CommandSpec = {
  name: 'frameworks',
  usage: 'tessera frameworks [--all] [--json]',
  summary: 'List the frameworks subscribed to the master (with --all, removed ones too).',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Include removed frameworks.' },
    'master-http': MASTER_HTTP_FLAG,
    json: JSON_FLAG,
  },
};

export async function frameworksCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const flags = parseFlags(frameworksSpec, argv);
  const state = await masterState(await masterAddress(flags, 'master-http'));
  const all = bool(flags, 'all');
  const list = [
    ...state.frameworks.map((f) => ({ ...f, removed: false })),
    ...(all ? (state.completedFrameworks ?? []).map((f) => ({ ...f, removed: true })) : []),
  ];
  if (bool(flags, 'json')) {
    out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) {
    out('No frameworks.');
    return 0;
  }
  out(
    table(
      ['ID', 'NAME', 'ROLES', 'STATE', 'TASKS', 'OFFERS', 'CPUS', 'MEM', 'AGE'],
      list.map((f) => [
        f.id,
        f.name,
        f.roles.join(','),
        f.removed ? 'removed' : f.connected ? 'connected' : 'disconnected',
        String(f.taskCount),
        String(f.offerCount),
        trim(scalar(f.used, 'cpus')),
        mib(scalar(f.used, 'mem')),
        age(f.registeredAt),
      ]),
    ),
  );
  return 0;
}
