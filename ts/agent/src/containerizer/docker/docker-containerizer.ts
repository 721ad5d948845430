// DockerContainerizer: each container is a Docker container made through the
// Engine API on the local socket. Launch: image (by pull policy) → create
// (limits, sandbox mount, ports, labels) → attach its output to the sandbox
// files → start. Exit: wait, then inspect (exit code, OOM kill), then remove. Kill:
// SIGTERM, SIGKILL after the grace (to the milliseconds, which `docker stop -t`
// cannot do). Recover: the agent's labelled containers are re-attached when
// the agent still knows their task, and stopped and removed when not.

import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Logger } from '@tessera/common';
import Docker from 'dockerode';

import {
  ContainerLaunchError,
  type Container,
  type ContainerSpec,
  type ContainerUsage,
  type Containerizer,
  type ExitStatus,
  type RecoverOptions,
  type Recovered,
} from '../containerizer.js';
import { createOptions } from './create-options.js';
import { ensureImage } from './image.js';
import { LABEL } from './labels.js';
import { attachOutput, followLog } from './logs.js';
import { containerUsage } from './usage.js';
import { exitsWithin } from '../grace.js';

export interface DockerContainerizerOptions {
  logger: Logger;
  /** The agent's work dir: its containers carry it as a label, which is how recover() tells them from other agents'. */
  workDir: string;
  /** The Docker Engine's unix socket; default /var/run/docker.sock. */
  dockerSocket?: string;
}

interface Running extends Container {
  readonly handle: Docker.Container;
  readonly done: boolean;
  /** Lets go of the container's wait and output streams (detach). */
  readonly release: AbortController;
}

export class DockerContainerizer implements Containerizer {
  readonly name = 'docker';
  private readonly docker: Docker;
  private readonly logger: Logger;
  private readonly workDir: string;
  private readonly running = new Map<string, Running>();

  constructor(options: DockerContainerizerOptions) {
    this.logger = options.logger;
    this.workDir = path.resolve(options.workDir);
    this.docker = new Docker({ socketPath: options.dockerSocket ?? '/var/run/docker.sock' });
  }

  async launch(spec: ContainerSpec): Promise<Container> {
    if (this.running.has(spec.containerId)) throw new ContainerLaunchError(`container ${spec.containerId} already exists`);
    const options = createOptions(spec, this.workDir);
    await ensureImage(this.docker, options.Image!, spec.container?.docker?.forcePullImage ?? false, this.logger);
    let handle: Docker.Container;
    try {
      handle = await this.docker.createContainer(options);
    } catch (err) {
      throw new ContainerLaunchError(`cannot create a container from '${options.Image}': ${dockerMessage(err)}`);
    }
    const release = new AbortController();
    let logs: Promise<void>;
    try {
      // Attached before it starts, so nothing the task prints is lost.
      logs = (await attachOutput(this.docker, handle, spec.sandbox, release.signal)).done;
      await handle.start();
    } catch (err) {
      await handle.remove({ force: true }).catch(() => undefined);
      throw new ContainerLaunchError(`cannot start '${spec.command.value || options.Image}': ${dockerMessage(err)}`);
    }
    const pid = await handle
      .inspect()
      .then((info) => info.State.Pid)
      .catch(() => 0);
    this.logger.debug({ containerId: spec.containerId, docker: handle.id, pid }, 'docker container started');
    return this.track(spec.containerId, handle, pid, logs, release);
  }

  async kill(containerId: string, graceMs: number): Promise<void> {
    const container = this.running.get(containerId);
    if (!container || container.done) return;
    await signal(container.handle, 'SIGTERM');
    if (!(await exitsWithin(container.exited, graceMs))) {
      this.logger.info({ containerId, graceMs }, 'container outlived its grace period: SIGKILL');
      await signal(container.handle, 'SIGKILL');
    }
    await container.exited;
  }

  containers(): Container[] {
    return [...this.running.values()];
  }

  /** One-shot usage from Docker's stats API; undefined for an unknown container. */
  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.running.get(containerId);
    if (!container || container.done) return undefined;
    try {
      return await containerUsage(container.handle);
    } catch {
      return undefined; // gone between the lookup and the call
    }
  }

  /**
   * Lets go of every container without stopping it: their waits and output
   * streams end, and their `exited` never settles. For an agent that stops
   * and leaves its tasks running (stop({ killTasks: false })), so that the
   * next agent re-attaches them.
   */
  detach(): void {
    for (const container of this.running.values()) container.release.abort();
    this.running.clear();
  }

  /**
   * Finds the containers an earlier run of this agent (same work dir) left.
   * Running ones whose container id is in `known` (tasks the agent's
   * checkpoints say are live) are re-attached: waited on again, their logs
   * followed on into the sandbox. Every other one is an orphan: stopped and
   * removed. After a reboot (`rebooted`) none is re-attached (a task's
   * container does not outlive its host's reboot as the same process).
   */
  async recover(known: ReadonlySet<string> = new Set(), options: RecoverOptions = {}): Promise<Recovered> {
    const found = await this.docker
      .listContainers({ all: true, filters: { label: [`${LABEL.workDir}=${this.workDir}`] } })
      .catch((err: unknown) => {
        throw new Error(
          `docker containerizer: the Docker engine does not answer (${dockerMessage(err)}); start dockerd (scripts/provision-docker.sh) or leave docker out of containerizers`,
        );
      });
    const orphans: string[] = [];
    const reattached: Container[] = [];
    for (const summary of found) {
      const containerId = summary.Labels[LABEL.containerId] ?? '';
      const handle = this.docker.getContainer(summary.Id);
      const sandbox = summary.Labels[LABEL.sandbox] ?? '';
      if (!options.rebooted && known.has(containerId) && !this.running.has(containerId) && sandbox !== '') {
        const info = await handle.inspect().catch(() => undefined);
        if (info) {
          // Also one that exited while the agent was away: its end is read from inspect, then it is removed.
          const release = new AbortController();
          const logs = followLog(this.docker, handle, sandbox, lastWrite(sandbox), release.signal);
          reattached.push(this.track(containerId, handle, info.State.Pid, logs, release));
          this.logger.info({ containerId, docker: summary.Id, running: info.State.Running }, 're-attached a docker container after an agent restart');
          continue;
        }
      }
      orphans.push(containerId || summary.Id);
      this.logger.warn({ containerId, docker: summary.Id, taskId: summary.Labels[LABEL.taskId] }, 'removing an orphan docker container');
      await handle.remove({ force: true }).catch((err) => this.logger.warn({ docker: summary.Id, err: dockerMessage(err) }, 'could not remove an orphan container'));
    }
    return { destroyed: orphans, reattached };
  }

  /** Waits for the container's end, reads how it ended, removes it. */
  private track(containerId: string, handle: Docker.Container, pid: number, logs: Promise<void>, release: AbortController): Running {
    let done = false;
    const exited = (async (): Promise<ExitStatus> => {
        const status = await waitFor(handle, release.signal);
        // Let go by detach: the container runs on for the next agent to re-attach.
        if (release.signal.aborted) return new Promise<never>(() => undefined);
        // Logs end with the container; the task's last words reach the files before its end is told.
        await logs;
        const inspect = await handle.inspect().catch(() => undefined);
        await handle.remove({ force: true, v: true }).catch(() => undefined);
        done = true;
        this.running.delete(containerId);
        const code = inspect?.State.ExitCode ?? status;
        const exit = toExitStatus(code);
        if (inspect?.State.OOMKilled) {
          const mib = (inspect.HostConfig.Memory ?? 0) / (1024 * 1024);
          return { ...exit, limitation: { reason: 'memory', message: `memory limit of ${mib} MiB reached; Docker's OOM killer ended the container` } };
        }
        return exit;
      })();
    const container: Running = {
      containerId,
      pid,
      handle,
      release,
      exited,
      get done() {
        return done;
      },
    };
    this.running.set(containerId, container);
    return container;
  }
}

async function waitFor(handle: Docker.Container, signal: AbortSignal): Promise<number> {
  try {
    const result = (await handle.wait({ abortSignal: signal })) as { StatusCode?: number };
    return result.StatusCode ?? -1;
  } catch {
    return -1; // removed under us: there is no exit code to tell
  }
}

/** Docker reports a signal death as 128 + n (from tini or the shell); say which signal, as a shell would. */
function toExitStatus(code: number): ExitStatus {
  if (code > 128 && code < 128 + 65) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal: null };
}

async function signal(handle: Docker.Container, name: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  try {
    await handle.kill({ signal: name });
  } catch {
    // 409: not running any more; 404: gone. Either way the wait settles.
  }
}

/**
 * Unix seconds of the sandbox's last log write, so a re-attached log resumes
 * after it. File times come from the kernel's coarse clock (up to a jiffy,
 * 10 ms at HZ=100, behind), which can put them before Docker's timestamp of
 * the very line written: the margin keeps that line from being copied twice.
 */
const MTIME_MARGIN_SECONDS = 0.02;

function lastWrite(sandbox: string): number {
  let newest = 0;
  for (const name of ['stdout', 'stderr']) {
    try {
      newest = Math.max(newest, statSync(path.join(sandbox, name)).mtimeMs / 1000);
    } catch {
      // No file yet: everything is new.
    }
  }
  return newest === 0 ? 0 : newest + MTIME_MARGIN_SECONDS;
}

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}
