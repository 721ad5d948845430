// NativeContainerizer: each container in its own PID, mount, UTS and IPC
// namespaces (and network namespace for network "none"), held by cgroups to the
// cpus, mem and gpus it was given, plus a pids limit. See launcher.ts for how a
// process gets there and cgroups*.ts for the kernel side. The container's
// leader (Container.pid) is unshare, the parent of the container's init; the
// container ends when the init does, and whatever is left in its cgroup is then
// SIGKILLed and the cgroup removed. Containers outlive their agent: a restarted
// agent re-attaches those its tasks still need (recover), watching the leader's
// pid and reading the exit status the init leaves in the container's run dir
// (run-dirs.ts), and destroys the rest.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

import type { Logger } from '@tessera/common';

import {
  ContainerLaunchError,
  type Container,
  type ContainerSpec,
  type ContainerUsage,
  type Containerizer,
  type ExitStatus,
  type Limitation,
  type RecoverOptions,
  type Recovered,
} from '../containerizer.js';
import { isSameLiveProcess, watchProcessEnd } from '../proc.js';
import { findProgram, resolveProgram, type Rlimits } from '../posix.js';
import { lookupUser } from '../users.js';
import type { Cgroups } from './cgroups.js';
import { GpuAllocator, gpuDenyLines, gpuEnvironment } from './gpus.js';
import { launchArgv, type LaunchCommand, type ShellLimits } from './launcher.js';
import { describeBytes, resourceAmounts } from './limits.js';
import { RunDirs, type RunRecord } from './run-dirs.js';
import { exitsWithin } from '../grace.js';

export interface NativeContainerizerOptions {
  logger: Logger;
  cgroups: Cgroups;
  /** pids.max of every container. */
  pidsMax: number;
  rlimits?: Rlimits;
  /**
   * Run dirs of containers (run-dirs.ts: leader pid, exit status), so a
   * restarted agent can re-attach or destroy what its earlier run left;
   * without one, containers are not recoverable.
   */
  checkpointDir?: string;
  /** How often a re-attached container's leader is checked for its end (the agent is not its parent); default 100 ms. */
  exitPollMs?: number;
  /** The agent's GPU indices (nvidia-smi order); none when it has no GPUs. */
  gpus?: number[];
}

interface Running extends Container {
  done: boolean;
  memoryLimitBytes?: number;
  /** The leader as this agent's child (not for a re-attached container). */
  child?: ChildProcess;
}

/** The exit of a re-attached container whose init left no status: it was SIGKILLed itself (a kill past the grace), so it could not write one. */
const UNRECORDED_EXIT: ExitStatus = { code: null, signal: 'SIGKILL' };

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export class NativeContainerizer implements Containerizer {
  readonly name = 'native';
  private readonly running = new Map<string, Running>();
  private readonly logger: Logger;
  private readonly cgroups: Cgroups;
  private readonly runs: RunDirs | undefined;
  /** Stops the end-watch of each re-attached container (detach). */
  private readonly watches = new Map<string, () => void>();
  private readonly gpus: GpuAllocator;
  private readonly unshare: string;
  private readonly prlimit: LaunchCommand['prlimit'];
  private readonly shellLimits: ShellLimits;
  private readonly setpriv: string | undefined;
  private detached = false;

  constructor(private readonly options: NativeContainerizerOptions) {
    this.logger = options.logger;
    this.cgroups = options.cgroups;
    this.runs = options.checkpointDir ? new RunDirs(options.checkpointDir) : undefined;
    this.gpus = new GpuAllocator(options.gpus ?? []);
    const unshare = findProgram('unshare');
    if (!unshare) throw new Error('the native containerizer needs unshare (util-linux), which is not installed');
    this.unshare = unshare;
    // The init sets core and nofile itself (one exec fewer per container);
    // prlimit only for the rest (nproc: dash and bash name it differently).
    const rlimits: Rlimits = { core: 0, ...options.rlimits };
    const byShell = (name: string, value: number) => name === 'nofile' || (name === 'core' && value % 512 === 0);
    const entries = Object.entries(rlimits).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
    this.shellLimits = Object.fromEntries(entries.filter(([name, value]) => byShell(name, value))) as ShellLimits;
    const rlimitArgs = entries.filter(([name, value]) => !byShell(name, value)).map(([name, value]) => `--${name}=${value}:${value}`);
    const prlimit = findProgram('prlimit');
    this.prlimit = prlimit && rlimitArgs.length > 0 ? { program: prlimit, args: rlimitArgs } : undefined;
    this.setpriv = findProgram('setpriv');
  }

  async launch(spec: ContainerSpec): Promise<Container> {
    const { containerId } = spec;
    if (this.running.has(containerId)) throw new ContainerLaunchError(`container ${containerId} already exists`);
    const program = resolveProgram(spec);
    const command = spec.command.shell
      ? [program, '-c', spec.command.value]
      : [program, ...spec.command.arguments.slice(1)];
    const network = checkNetwork(spec.container?.network ?? '');
    const hostname = spec.container?.hostname ?? '';
    if (hostname !== '' && (hostname.length > 64 || !HOSTNAME.test(hostname))) {
      throw new ContainerLaunchError(`container.hostname: ${JSON.stringify(hostname)} is not a valid hostname`);
    }
    const setpriv = this.identity(spec.user);
    const amounts = resourceAmounts(spec.resources);

    let gpus: number[];
    try {
      gpus = this.gpus.allocate(containerId, amounts.gpus);
    } catch (err) {
      throw new ContainerLaunchError((err as Error).message);
    }
    const hasGpus = this.gpus.indices.length > 0;
    const env = hasGpus ? { ...spec.env, ...gpuEnvironment(gpus) } : spec.env;

    let procsFiles: string[];
    try {
      procsFiles = await this.cgroups.create(containerId, {
        cpus: amounts.cpus,
        memoryBytes: amounts.memoryBytes,
        pidsMax: this.options.pidsMax,
        deniedDevices: hasGpus && this.cgroups.version === 1 ? gpuDenyLines(this.gpus.indices, gpus) : [],
      });
    } catch (err) {
      this.gpus.release(containerId);
      await this.cgroups.destroy(containerId).catch(() => undefined);
      throw new ContainerLaunchError(`cannot create the container's cgroups: ${(err as Error).message}`);
    }

    this.runs?.create(containerId);
    const exitStatusFile = this.runs?.exitStatusFile(containerId) ?? '';
    const [executable, ...args] = launchArgv({
      procsFiles,
      prlimit: this.prlimit,
      shellLimits: this.shellLimits,
      unshare: this.unshare,
      network,
      hostname,
      setpriv,
      exitStatusFile,
      command,
    });
    const stdout = openSync(path.join(spec.sandbox, 'stdout'), 'a');
    const stderr = openSync(path.join(spec.sandbox, 'stderr'), 'a');
    try {
      // fd 3: the init's "started" line (launcher.ts).
      const child = spawn(executable!, args, { cwd: spec.sandbox, env, detached: true, stdio: ['ignore', stdout, stderr, 'pipe'] });
      try {
        await new Promise<void>((resolve, reject) => {
          child.once('spawn', resolve);
          child.once('error', (err) => reject(new ContainerLaunchError(`cannot start '${spec.command.value}': ${err.message}`)));
        });
      } catch (err) {
        this.gpus.release(containerId);
        this.runs?.remove(containerId);
        await this.cgroups.destroy(containerId).catch(() => undefined);
        throw err;
      }
      const pid = child.pid!;
      const container: Running = {
        containerId,
        pid,
        child,
        done: false,
        memoryLimitBytes: amounts.memoryBytes,
        exited: new Promise<ExitStatus>((resolve) => {
          child.once('exit', (code, signal) => {
            // A detached container belongs to the next agent now: leave its cgroup alone.
            if (this.detached) return;
            void this.finish(container, initExit(code, signal)).then(resolve);
          });
        }),
      };
      this.running.set(containerId, container);
      this.runs?.write({ containerId, pid, memoryLimitBytes: amounts.memoryBytes, gpus });
      if (!(await started(child.stdio[3] as Readable))) {
        const exit = await container.exited;
        const how = exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
        throw new ContainerLaunchError(`the container ended before its task started (${how}); its stderr says why`);
      }
      this.logger.debug({ containerId, pid, cgroups: this.cgroups.version, network, gpus }, 'native container started');
      return container;
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  async kill(containerId: string, graceMs: number): Promise<void> {
    const container = this.running.get(containerId);
    if (!container || container.done) return;
    // Not to unshare (the leader): it would take the namespace down with SIGKILL
    // (--kill-child) before the task had its grace. The init forwards SIGTERM.
    for (const pid of this.cgroups.pids(containerId)) if (pid !== container.pid) signal(pid, 'SIGTERM');
    if (!(await exitsWithin(container.exited, graceMs))) {
      this.logger.info({ containerId, graceMs }, 'container outlived its grace period: SIGKILL');
      signal(-container.pid, 'SIGKILL');
      await this.killAll(containerId);
    }
    await container.exited;
  }

  /** The agent stops leaving tasks running: let go of them, cgroups and run dirs kept, for the next agent to re-attach. */
  detach(): void {
    this.detached = true;
    // Nor do they keep this process alive any more (an embedder's process may exit and leave them running).
    for (const container of this.running.values()) container.child?.unref();
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
    this.running.clear();
  }

  containers(): Container[] {
    return [...this.running.values()];
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    if (!this.running.has(containerId)) return undefined;
    return this.cgroups.usage(containerId);
  }

  /**
   * What an earlier run of the agent left: a container in `known` (a live
   * task's) is re-attached when its leader still runs, or when it ended while
   * the agent was away and its init left the exit status. Everything else is
   * SIGKILLed before the first yield to the event loop (so its task is known
   * dead before the agent reports it lost), then its cgroups are removed as
   * they drain. After a reboot the recorded pids belong to other processes:
   * nothing is re-attached or signalled by pid, only by cgroup.
   */
  async recover(known: ReadonlySet<string> = new Set(), options: RecoverOptions = {}): Promise<Recovered> {
    const destroyed = new Set<string>();
    const reattached: Container[] = [];
    for (const run of this.runs?.readAll() ?? []) {
      const { containerId, record } = run;
      const takeBack =
        !options.rebooted && record !== undefined && known.has(containerId) && !this.running.has(containerId) && (run.alive || run.exitStatus !== undefined);
      if (takeBack) {
        reattached.push(this.reattach(record, run.alive));
        this.logger.info({ containerId, pid: record.pid, running: run.alive }, 're-attached a native container after an agent restart');
        continue;
      }
      if (!options.rebooted) {
        const leader = record ?? this.runs!.legacyPid(containerId);
        if (leader && isSameLiveProcess(leader.pid, leader.startTime)) {
          signal(-leader.pid, 'SIGKILL');
          signal(leader.pid, 'SIGKILL');
          destroyed.add(containerId);
        }
      }
      this.runs!.remove(containerId);
    }
    const leftovers = this.cgroups.list().filter((containerId) => !this.running.has(containerId));
    for (const containerId of leftovers) {
      const pids = this.cgroups.pids(containerId);
      for (const pid of pids) signal(pid, 'SIGKILL');
      if (pids.length > 0) destroyed.add(containerId);
    }
    for (const containerId of destroyed) {
      this.logger.warn({ containerId }, 'destroyed a native container left by an earlier run of the agent');
    }
    await Promise.all(
      leftovers.map(async (containerId) => {
        await this.killAll(containerId);
        await this.cgroups.destroy(containerId).catch((err: Error) => {
          this.logger.error({ containerId, err: err.message }, 'cannot remove the cgroups of a leftover container');
        });
      }),
    );
    if (this.running.size === 0) await this.cgroups.removeParent();
    return { destroyed: [...destroyed], reattached };
  }

  /**
   * Supervises again a container an earlier run launched: its end is seen by
   * polling the leader's pid (this agent is not its parent), how it ended is
   * what the init wrote; then it is finished like any other (OOM verdict,
   * cgroups removed). One that already ended is finished at once.
   */
  private reattach(record: RunRecord, alive: boolean): Running {
    const { containerId, pid } = record;
    this.gpus.claim(containerId, record.gpus);
    const watch = alive ? watchProcessEnd(pid, record.startTime, this.options.exitPollMs ?? 100) : undefined;
    if (watch) this.watches.set(containerId, watch.stop);
    // Runs on past its first await only once `container` is assigned below.
    const end = async (): Promise<ExitStatus> => {
      await watch?.ended;
      this.watches.delete(containerId);
      const status = this.runs?.readExitStatus(containerId);
      return this.finish(container, status === undefined ? UNRECORDED_EXIT : initExit(status, null));
    };
    const container: Running = { containerId, pid, done: false, memoryLimitBytes: record.memoryLimitBytes, exited: end() };
    this.running.set(containerId, container);
    return container;
  }

  /** After the leader exits: the verdict (OOM?), then nothing of the container may remain. */
  private async finish(container: Running, exit: ExitStatus): Promise<ExitStatus> {
    const { containerId } = container;
    const limitation = await this.limitation(container, exit);
    signal(-container.pid, 'SIGKILL');
    await this.killAll(containerId);
    await this.cgroups.destroy(containerId).catch((err: Error) => {
      this.logger.error({ containerId, err: err.message }, 'cannot remove the cgroups of an ended container');
    });
    this.gpus.release(containerId);
    container.done = true;
    this.running.delete(containerId);
    this.runs?.remove(containerId);
    if (this.running.size === 0) await this.cgroups.removeParent();
    return limitation ? { ...exit, limitation } : exit;
  }

  private async limitation(container: Running, exit: ExitStatus): Promise<Limitation | undefined> {
    const { containerId } = container;
    const counted = await this.cgroups.oomKills(containerId).catch(() => 0);
    // Kernels that do not count OOM kills: a SIGKILLed task whose cgroup hit its limit.
    const kills =
      counted ?? (exit.signal === 'SIGKILL' && (await this.cgroups.memoryLimitHits(containerId).catch(() => 0)) > 0 ? 1 : 0);
    if (kills === 0) return undefined;
    const limit = container.memoryLimitBytes === undefined ? 'its memory limit' : `its memory limit of ${describeBytes(container.memoryLimitBytes)}`;
    return { reason: 'memory', message: `the container passed ${limit}: the kernel OOM-killed ${kills} process(es) in it` };
  }

  /** SIGKILL to every process in the container's cgroup until it is empty (processes may fork meanwhile). */
  private async killAll(containerId: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const pids = this.cgroups.pids(containerId);
      if (pids.length === 0) return;
      for (const pid of pids) signal(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.logger.error({ containerId }, 'processes remain in the container after repeated SIGKILL');
  }

  private identity(user: string | undefined): LaunchCommand['setpriv'] {
    if (user === undefined || user === '' || user === os.userInfo().username) return undefined;
    const entry = lookupUser(user);
    if (!entry) throw new ContainerLaunchError(`user '${user}' does not exist on this agent`);
    if (!this.setpriv) throw new ContainerLaunchError(`cannot run as user '${user}': setpriv (util-linux) is not installed`);
    return { program: this.setpriv, uid: entry.uid, gid: entry.gid };
  }
}

/**
 * The container's init is a shell, which reports a task killed by signal N as
 * exit status 128 + N and cannot re-raise it (pid 1 of a namespace ignores its
 * own signals): read such statuses back as the signal. A task that exits
 * 128 + N on its own is read the same way, as other container runtimes do.
 */
export function initExit(code: number | null, signalName: NodeJS.Signals | null): ExitStatus {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = Object.entries(os.constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal: signalName };
}

/** Whether the init reported the task started (a line on fd 3) before closing it. */
function started(pipe: Readable): Promise<boolean> {
  return new Promise((resolve) => {
    pipe.once('data', () => {
      pipe.destroy();
      resolve(true);
    });
    pipe.once('end', () => resolve(false));
    pipe.once('error', () => resolve(false));
  });
}

function checkNetwork(value: string): 'host' | 'none' {
  if (value === '' || value === 'host') return 'host';
  if (value === 'none') return 'none';
  throw new ContainerLaunchError(`container.network: must be "host" or "none" for a native container (got ${JSON.stringify(value)})`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: gone already.
  }
}
