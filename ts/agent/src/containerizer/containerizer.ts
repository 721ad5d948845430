// The seam between the agent and how processes are isolated. The agent hands
// a containerizer a ContainerSpec (what to run, where, as whom, with which
// resources) and gets back a Container it can wait on and kill. Today there is
// PosixContainerizer (process groups and rlimits); the native (namespaces and
// cgroups) and Docker containerizers implement the same interface, so the spec
// already carries resources and the task's ContainerInfo for them.

import type { ContainerInfo, Resource } from '@tessera/common';

/** What a container runs: `sh -c value` when shell, else value with argv. */
export interface ContainerCommand {
  shell: boolean;
  value: string;
  /** argv when not shell; arguments[0] is argv[0] (defaults to value). */
  arguments: string[];
}

export interface ContainerSpec {
  containerId: string;
  command: ContainerCommand;
  /** Working directory; stdout and stderr files live here. */
  sandbox: string;
  env: Record<string, string>;
  /** Run as this user; undefined runs as the agent's user. */
  user?: string;
  resources: Resource[];
  container?: ContainerInfo;
}

/** Which isolation limit ended a container (Mesos' container limitations). */
export type LimitationReason = 'memory' | 'disk' | 'pids';

export interface Limitation {
  reason: LimitationReason;
  /** What was passed, for the task's status message ("memory limit of 64 MiB reached; the kernel OOM-killed the task"). */
  message: string;
}

export interface ExitStatus {
  /** The exit code when the process exited on its own. */
  code: number | null;
  /** The signal name when a signal ended it ("SIGKILL"). */
  signal: string | null;
  /** Set when the containerizer ended the container for passing a limit (e.g. OOM-killed in its memory cgroup). */
  limitation?: Limitation;
}

/** Resource usage of a running container, as its cgroups account it. */
export interface ContainerUsage {
  /** CPU time in seconds spent in user and kernel mode. */
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  /** Memory charged to the container now, and its high-water mark (undefined where the kernel does not keep one). */
  memoryBytes: number;
  memoryPeakBytes?: number;
  /** The limits in force: cpus (CFS quota / period) and memory in bytes; undefined when unlimited. */
  cpusLimit?: number;
  memoryLimitBytes?: number;
  /** Processes in the container now. */
  processes?: number;
}

export interface Container {
  readonly containerId: string;
  readonly pid: number;
  /** Settles when the container's main process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
}

/** Thrown by launch when a container could not start (bad program, unknown user). */
export class ContainerLaunchError extends Error {
  override readonly name = 'ContainerLaunchError';
}

export interface RecoverOptions {
  /** The host rebooted since the containers were launched (a changed boot id). */
  rebooted?: boolean;
}

/** What recover() found. */
export interface Recovered {
  /** Ids of the containers it destroyed. */
  destroyed: string[];
  /** The containers it re-attached (returned here, not only in containers(), because one may end before the caller looks). */
  reattached: Container[];
}

export interface Containerizer {
  /** "posix", "native", "docker", or "composing". */
  readonly name: string;
  /** Starts a container; rejects with ContainerLaunchError when it cannot. */
  launch(spec: ContainerSpec): Promise<Container>;
  /**
   * Kills a container: SIGTERM to all its processes, SIGKILL after graceMs if
   * any are left. Resolves once the main process has exited; a no-op for an
   * unknown or already exited container.
   */
  kill(containerId: string, graceMs: number): Promise<void>;
  /** Containers still running. */
  containers(): Container[];
  /**
   * At agent start: containers an earlier run of the agent left behind. Those
   * in `known` (live tasks the agent's checkpoints name) are re-attached where
   * the containerizer can (native, docker) — also one that ended while the
   * agent was away, whose `exited` then settles at once with how it ended;
   * all others are destroyed. After a reboot (`rebooted`) nothing is
   * re-attached, and checkpointed pids are not signalled (they name other
   * processes now).
   */
  recover(known?: ReadonlySet<string>, options?: RecoverOptions): Promise<Recovered>;
  /**
   * The agent stops and leaves its tasks running (stop({ killTasks: false })):
   * let go of the containers without stopping them, so a restarted agent can
   * re-attach them. Their `exited` then never settles.
   */
  detach?(): void;
  /** Usage statistics of a running container; undefined when unknown or not measured (posix). */
  usage?(containerId: string): Promise<ContainerUsage | undefined>;
}
