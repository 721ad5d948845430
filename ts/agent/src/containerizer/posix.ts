// PosixContainerizer: each container is a process group (spawned detached, so
// the group id is the leader's pid), killed as a group: SIGTERM to -pid, then
// SIGKILL to -pid after the grace period. When the leader exits, whatever it
// left running in its group is killed: a container does not outlive its task. Resource limits come from util-linux
// `prlimit`, which execs the command in place (same pid), when installed.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Logger } from '@tessera/common';

import {
  ContainerLaunchError,
  type Container,
  type ContainerSpec,
  type Containerizer,
  type RecoverOptions,
  type Recovered,
  type ExitStatus,
} from './containerizer.js';
import { PidCheckpoints } from './pid-checkpoints.js';
import { lookupUser } from './users.js';
import { exitsWithin } from './grace.js';

export interface Rlimits {
  /** Core dump size in bytes (default 0: no core files in sandboxes). */
  core?: number;
  /** Open files, soft = hard. */
  nofile?: number;
  /** Processes of the user, soft = hard. */
  nproc?: number;
}

export interface PosixContainerizerOptions {
  logger: Logger;
  rlimits?: Rlimits;
  /** Where each running container's pid is checkpointed, so a restarted agent can destroy leftovers. */
  checkpointDir?: string;
}

interface Running extends Container {
  done: boolean;
}

export class PosixContainerizer implements Containerizer {
  readonly name = 'posix';
  private readonly running = new Map<string, Running>();
  private readonly prlimit: string | undefined;
  private readonly rlimitArgs: string[];
  private readonly logger: Logger;
  private readonly checkpoints: PidCheckpoints | undefined;

  constructor(options: PosixContainerizerOptions) {
    this.logger = options.logger;
    this.checkpoints = options.checkpointDir ? new PidCheckpoints(options.checkpointDir) : undefined;
    const rlimits = { core: 0, ...options.rlimits };
    this.rlimitArgs = Object.entries(rlimits)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      .map(([name, value]) => `--${name}=${value}:${value}`);
    this.prlimit = findProgram('prlimit');
    if (!this.prlimit) {
      this.logger.warn({ rlimits }, 'prlimit (util-linux) is not installed: containers run without rlimits');
    }
  }

  async launch(spec: ContainerSpec): Promise<Container> {
    if (this.running.has(spec.containerId)) {
      throw new ContainerLaunchError(`container ${spec.containerId} already exists`);
    }
    const [program, argv0, ...args] = this.argv(spec, resolveProgram(spec));
    const ids = this.identity(spec.user);
    const stdout = openSync(path.join(spec.sandbox, 'stdout'), 'a');
    const stderr = openSync(path.join(spec.sandbox, 'stderr'), 'a');
    try {
      const child = spawn(program!, args, {
        argv0,
        cwd: spec.sandbox,
        env: spec.env,
        detached: true,
        stdio: ['ignore', stdout, stderr],
        ...ids,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err) => reject(new ContainerLaunchError(`cannot start '${spec.command.value}': ${err.message}`)));
      });
      const pid = child.pid!;
      const container: Running = {
        containerId: spec.containerId,
        pid,
        done: false,
        exited: new Promise<ExitStatus>((resolve) => {
          child.once('exit', (code, signal) => {
            // The container ends with its leader: what it left in the background goes too.
            signalGroup(pid, 'SIGKILL');
            container.done = true;
            this.running.delete(spec.containerId);
            this.checkpoints?.remove(spec.containerId);
            resolve({ code, signal });
          });
        }),
      };
      this.running.set(spec.containerId, container);
      this.checkpoints?.write(spec.containerId, pid);
      this.logger.debug({ containerId: spec.containerId, pid }, 'container started');
      return container;
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  async kill(containerId: string, graceMs: number): Promise<void> {
    const container = this.running.get(containerId);
    if (!container || container.done) return;
    signalGroup(container.pid, 'SIGTERM');
    if (!(await exitsWithin(container.exited, graceMs))) {
      this.logger.info({ containerId, graceMs }, 'container outlived its grace period: SIGKILL');
    }
    // Also after a clean exit: children the leader left behind in the group go too.
    signalGroup(container.pid, 'SIGKILL');
    await container.exited;
  }

  containers(): Container[] {
    return [...this.running.values()];
  }

  /** Posix containers are not re-attached: what an earlier run left is killed (after a reboot the pids name other processes: only forgotten). */
  async recover(_known?: ReadonlySet<string>, options: RecoverOptions = {}): Promise<Recovered> {
    const destroyed: string[] = [];
    for (const { containerId, pid, alive } of this.checkpoints?.readAll() ?? []) {
      if (alive && !options.rebooted) {
        signalGroup(pid, 'SIGKILL');
        destroyed.push(containerId);
        this.logger.warn({ containerId, pid }, 'destroyed a container left by an earlier run of the agent');
      }
      this.checkpoints?.remove(containerId);
    }
    return { destroyed, reattached: [] };
  }

  private argv(spec: ContainerSpec, program: string): string[] {
    const { command } = spec;
    const inner = command.shell
      ? [program, 'sh', '-c', command.value]
      : [program, command.arguments[0] ?? command.value, ...command.arguments.slice(1)];
    if (!this.prlimit || this.rlimitArgs.length === 0) return inner;
    // prlimit execs the program, so argv[0] of the task is lost; keep the
    // program path as argv[0] (what a shell would do).
    return [this.prlimit, 'prlimit', ...this.rlimitArgs, '--', inner[0]!, ...inner.slice(2)];
  }

  private identity(user: string | undefined): { uid?: number; gid?: number } {
    if (user === undefined || user === '' || user === os.userInfo().username) return {};
    const entry = lookupUser(user);
    if (!entry) throw new ContainerLaunchError(`user '${user}' does not exist on this agent`);
    if (process.getuid?.() !== 0) {
      throw new ContainerLaunchError(`cannot run as user '${user}': the agent is not running as root`);
    }
    return { uid: entry.uid, gid: entry.gid };
  }
}

/** The program's path, checked before spawning: behind prlimit a missing
 *  program would look like a task exiting 1, not a launch failure. */
export function resolveProgram(spec: ContainerSpec): string {
  if (spec.command.shell) return '/bin/sh';
  const name = spec.command.value;
  if (name === '') throw new ContainerLaunchError('command.value: the program to run is empty');
  const candidates = name.includes('/')
    ? [path.resolve(spec.sandbox, name)]
    : (spec.env.PATH ?? process.env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  throw new ContainerLaunchError(`cannot start '${name}': no such executable (spawn ENOENT)`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

export function findProgram(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const where = found.stdout?.trim();
  return found.status === 0 && where ? where : undefined;
}
