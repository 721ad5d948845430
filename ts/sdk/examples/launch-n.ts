// launch-n: a minimal Tessera framework. It subscribes, launches N copies of a
// shell command on the offers it receives (placed with planLaunches), declines
// what it does not use, prints each state change, waits until every task has
// ended (updates acknowledged automatically), tears itself down and exits 0 —
// or 1 if any task did not finish.
//
//   npx tsx ts/sdk/examples/launch-n.ts --master 127.0.0.1:5050 --tasks 10

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { TaskState, isTerminalState, type TaskInfo } from '@tessera/common';

import { SchedulerCallError, SchedulerClient, planLaunches, type SchedulerEvent } from '../src/index.js';

export interface LaunchNOptions {
  master: string;
  tasks: number;
  command: string;
  cpus: number;
  mem: number;
  name: string;
  role?: string;
  /** Give up after this many seconds. */
  timeoutSeconds: number;
}

/** Runs the framework; resolves with the exit code. */
export async function launchN(options: LaunchNOptions, print: (line: string) => void = console.log): Promise<number> {
  const client = new SchedulerClient({
    master: options.master,
    framework: { name: options.name, roles: options.role ? [options.role] : [], failoverTimeoutSeconds: 0 },
  });
  const started = Date.now();
  const states = new Map<string, TaskState>();
  let launched = 0;
  let nextIndex = 0;
  let ended = 0;
  let suppressed = false;

  const timer = setTimeout(() => {
    print(`timed out after ${options.timeoutSeconds} s with ${ended}/${options.tasks} tasks ended`);
    client.close();
  }, options.timeoutSeconds * 1000);

  const onOffers = async (event: Extract<SchedulerEvent, { type: 'offers' }>): Promise<void> => {
    const wanted = options.tasks - launched;
    if (wanted <= 0) {
      await client.decline(event.offers.map((o) => o.id), { refuseSeconds: 60 });
      return;
    }
    const plan = planLaunches(event.offers, [
      {
        idPrefix: options.name,
        firstIndex: nextIndex,
        count: wanted,
        resources: `cpus:${options.cpus};mem:${options.mem}`,
        command: { value: options.command, shell: true },
      },
    ]);
    for (const launch of plan.launches) {
      const tasks: TaskInfo[] = launch.tasks.map((task) => withTaskIdEnv(task));
      nextIndex += tasks.length;
      try {
        await client.launch(launch.offerIds, tasks);
        launched += tasks.length;
        for (const task of tasks) print(`${task.taskId} launched on ${launch.agentId}`);
      } catch (err) {
        print(`launch on ${launch.agentId} failed: ${err instanceof SchedulerCallError ? `${err.code} ${err.message}` : String(err)}`);
      }
    }
    if (plan.unusedOfferIds.length > 0) await client.decline(plan.unusedOfferIds);
    if (launched >= options.tasks && !suppressed) {
      // Everything is launched: stop offers rather than decline them one by one.
      suppressed = true;
      await client.suppress();
    }
  };

  try {
    for await (const event of client.events()) {
      switch (event.type) {
        case 'subscribed':
          print(`subscribed as framework ${event.frameworkId} (master ${event.masterId})`);
          break;
        case 'offers':
          await onOffers(event).catch((err: unknown) => print(`handling offers failed: ${String(err)}`));
          break;
        case 'rescind':
          print(`offer ${event.offerId} rescinded`);
          break;
        case 'update': {
          const { taskId, state, message } = event.status;
          if (states.get(taskId) === state) break; // a resend
          const wasEnded = isTerminalState(states.get(taskId) ?? TaskState.UNSPECIFIED);
          states.set(taskId, state);
          print(`${taskId} ${TaskState[state]}${message ? ` (${message})` : ''}`);
          if (isTerminalState(state) && !wasEnded) ended++;
          break;
        }
        case 'failure':
          // A command executor ending with its task is routine; say only what is not.
          if (!event.executorId) print(`agent ${event.agentId} lost`);
          else if (event.status) print(`executor ${event.executorId} on ${event.agentId} exited with status ${event.status}`);
          break;
        case 'disconnected':
          print(`disconnected: ${event.reason}; re-subscribing`);
          break;
        case 'error':
          print(`error from the master: ${event.message}`);
          return 2;
        default:
          break;
      }
      if (ended >= options.tasks) break;
    }
  } finally {
    clearTimeout(timer);
  }

  const finished = [...states.values()].filter((s) => s === TaskState.FINISHED).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  print(`${options.tasks} tasks: ${finished} finished, ${ended - finished} did not, ${options.tasks - ended} never ended (${seconds} s)`);
  if (ended >= options.tasks) {
    await client.teardown().catch((err: unknown) => print(`teardown failed: ${String(err)}`));
  } else {
    client.close();
  }
  return finished === options.tasks ? 0 : 1;
}

/** The task's id in its environment, so the command can say who it is. */
function withTaskIdEnv(task: TaskInfo): TaskInfo {
  const command = task.command!;
  const variables = [...(command.environment?.variables ?? []), { name: 'TESSERA_TASK_ID', value: task.taskId }];
  return { ...task, command: { ...command, environment: { variables } } };
}

export function parseLaunchNArgs(argv: string[]): LaunchNOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      master: { type: 'string', default: '127.0.0.1:5050' },
      tasks: { type: 'string', default: '10' },
      command: { type: 'string', default: 'echo hello from $TESSERA_TASK_ID' },
      cpus: { type: 'string', default: '0.1' },
      mem: { type: 'string', default: '32' },
      name: { type: 'string', default: 'launch-n' },
      role: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    throw new UsageError(
      'usage: launch-n [--master host:port] [--tasks N] [--command CMD] [--cpus C] [--mem MiB] [--name NAME] [--role ROLE] [--timeout SECONDS]',
    );
  }
  const number = (flag: string, text: string, integer: boolean): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${flag}: must be a ${integer ? 'whole ' : ''}number above 0 (got ${JSON.stringify(text)})`);
    }
    return n;
  };
  return {
    master: values.master!,
    tasks: number('tasks', values.tasks!, true),
    command: values.command!,
    cpus: number('cpus', values.cpus!, false),
    mem: number('mem', values.mem!, false),
    name: values.name!,
    role: values.role,
    timeoutSeconds: number('timeout', values.timeout!, false),
  };
}

class UsageError extends Error {}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: LaunchNOptions;
  try {
    options = parseLaunchNArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(err instanceof UsageError && /^usage/.test((err as Error).message) ? 0 : 64);
  }
  launchN(options).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`launch-n: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
