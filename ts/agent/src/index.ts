// @tessera/agent: the agent daemon as a library. startAgent detects (or is
// told) its resources, serves its HTTP and executor endpoints, registers with
// the master and runs what the master sends it.
//
//   master ──RunTask/KillTask/Ack──▶ MasterConnection ──▶ Agent ──▶ Containerizer (processes)
//          ◀──StatusUpdate (resent until acked)── StatusUpdateManager ◀── task exits / executor updates

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { TaskStatus_Source, createLogger, idProblem } from '@tessera/common';

import { Agent } from './agent.js';
import { createContainerizer } from './containerizer/choose.js';
import { Fetcher } from './fetcher/fetcher.js';
import { startExecutorService } from './executors/service.js';
import { startHttpServer } from './http/server.js';
import { MasterConnection } from './master/connection.js';
import { followLeader, type LeaderFollower } from './master/leader.js';
import { helloMessage } from './master/hello.js';
import { checkOptions, type AgentOptions, type CheckedOptions } from './options.js';
import { agentIdFile } from './paths.js';
import { parseAttributes } from './resources/attributes.js';
import { agentResources, parseResourcesOption } from './resources/resources.js';
import { SandboxGc } from './sandbox/gc.js';
import { checkBoot, checkpointBootId } from './recovery/boot-id.js';
import { recoverTasks } from './recovery/recover-tasks.js';
import { agentState, type AgentState } from './state.js';
import { StatusUpdateManager } from './status-updates/manager.js';

export type { AgentOptions, Backoff, RecoverMode } from './options.js';
export type { AgentState, ExecutorState } from './state.js';
export type {
  Container,
  ContainerCommand,
  ContainerSpec,
  ContainerUsage,
  Containerizer,
  ExitStatus,
  Limitation,
  RecoverOptions,
  Recovered,
} from './containerizer/containerizer.js';
export { ComposingContainerizer, type ContainerizerName } from './containerizer/composing.js';
export { ContainerLaunchError } from './containerizer/containerizer.js';
export { PosixContainerizer, type PosixContainerizerOptions, type Rlimits } from './containerizer/posix.js';
export { DockerContainerizer, type DockerContainerizerOptions } from './containerizer/docker/docker-containerizer.js';
export { parseAttributes } from './resources/attributes.js';
export { detectResources } from './resources/resources.js';
export { StatusUpdateManager } from './status-updates/manager.js';
export { Fetcher, type FetcherOptions } from './fetcher/fetcher.js';
export { FetchError } from './fetcher/errors.js';
export { SandboxGc, type SandboxGcOptions } from './sandbox/gc.js';
export type { SandboxOptions } from './sandbox/options.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentHandle {
  /** The agent id, once the master has admitted it. */
  readonly id: string | undefined;
  /** Settles with the agent id at first registration; rejects if the master refuses it. */
  readonly registered: Promise<string>;
  /** The agent's HTTP endpoint, host:port. */
  readonly httpAddress: string;
  /** The ExecutorService custom executors dial, 127.0.0.1:port. */
  readonly executorAddress: string;
  state(): AgentState;
  /** Stops the agent. Its tasks are killed unless killTasks is false (then they keep running, orphaned). */
  stop(options?: { killTasks?: boolean }): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  const checked = checkOptions(options);
  // Parse texts before touching anything, so bad flags fail fast and clearly.
  const attributes = options.attributes === undefined ? [] : parseAttributes(options.attributes);
  if (options.resources !== undefined) parseResourcesOption(options.resources);
  const logger = options.logger ?? createLogger('agent');
  mkdirSync(checked.workDir, { recursive: true });
  const resources = await agentResources(checked.workDir, options.resources);

  const agent = new Agent({
    workDir: checked.workDir,
    hostname: checked.hostname,
    resources,
    attributes,
    logger,
    containerizer:
      options.containerizer ??
      createContainerizer({
        names: checked.containerizers,
        logger,
        rlimits: options.rlimits,
        checkpointDir: path.join(checked.workDir, 'meta', 'containers'),
        cgroupsRoot: checked.cgroupsRoot,
        pidsMax: checked.pidsMax,
        dockerSocket: checked.dockerSocket,
        workDir: checked.workDir,
        gpus: Math.round(resources.filter((r) => r.name === 'gpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0)),
      }),
    defaultKillGraceMs: checked.defaultKillGraceMs,
    executorRegistrationTimeoutMs: checked.executorRegistrationTimeoutMs,
    version: AGENT_VERSION,
  });
  agent.agentId = readAgentId(checked.workDir);

  let connection: MasterConnection | undefined;
  agent.sendToMaster = (message) => connection?.send(message) ?? false;
  agent.updates = new StatusUpdateManager({
    workDir: checked.workDir,
    logger,
    retry: checked.statusUpdateRetry,
    send: (update) => agent.sendToMaster({ statusUpdate: update }),
    onAcknowledged: (frameworkId, status) => {
      if (status.source !== TaskStatus_Source.EXECUTOR) return;
      const executor = agent.frameworks.get(frameworkId)?.executors.get(status.executorId);
      if (executor?.kind === 'custom') executor.subscriber?.write({ acknowledged: { taskId: status.taskId, uuid: status.uuid } });
    },
  });
  const boot = checkBoot(checked.workDir, checked.bootIdFile, logger);
  await recoverTasks(agent, { mode: checked.recover, rebooted: boot.rebooted });
  if (boot.bootId !== undefined) checkpointBootId(checked.workDir, boot.bootId);
  const sandboxGc = await startSandboxServices(agent, checked);

  const executorService = await startExecutorService(agent);
  agent.executorAddress = executorService.address;
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(agent, () => agentState(agent, connection?.master ?? checked.master), checked.host, checked.port);
  } catch (err) {
    await executorService.stop();
    agent.updates.stop();
    await sandboxGc.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new Error(`port: cannot listen on ${checked.host}:${checked.port} (${code}); choose another --port, or 0 for any`);
    }
    throw err;
  }
  agent.address = http.address;

  let resolveRegistered!: (id: string) => void;
  let rejectRegistered!: (err: Error) => void;
  const registered = new Promise<string>((resolve, reject) => {
    resolveRegistered = resolve;
    rejectRegistered = reject;
  });
  registered.catch(() => undefined); // callers that never await it must not crash the process

  const connect = (master: string): MasterConnection => new MasterConnection({
    master,
    logger,
    reconnectBackoff: checked.reconnectBackoff,
    maxPingTimeouts: checked.maxPingTimeouts,
    registrationTimeoutMs: checked.registrationTimeoutMs,
    hello: () => helloMessage(agent),
    onRegistered: ({ agentId, masterId }) => {
      const problem = idProblem(agentId);
      if (problem) {
        logger.error({ agentId }, `the master sent an unusable agent id: ${problem}`);
        return;
      }
      if (agent.agentId !== agentId) {
        if (agent.agentId) logger.warn({ was: agent.agentId, now: agentId }, 'the master gave this agent a new id');
        agent.agentId = agentId;
        writeAgentId(checked.workDir, agentId);
      }
      logger.info({ agentId, masterId }, 'registered with the master');
      resolveRegistered(agentId);
      agent.updates.resendAll();
    },
    onMessage: (message) => agent.handleMasterMessage(message),
    onRefused: (message) => {
      const file = agentIdFile(checked.workDir);
      const advice = agent.agentId
        ? `the master will not take agent id '${agent.agentId}' back, so its tasks are killed; to join as a new agent, remove ${file}`
        : 'the master refused to admit this agent';
      logger.error({ master: checked.master, reason: message }, `refused by the master: ${advice}`);
      if (agent.agentId) {
        // As a Mesos agent the master tells to shut down: the master already
        // declared what runs here gone or lost, so nothing may run on unmanaged.
        agent.killAll().catch((err: unknown) => logger.error({ err }, 'could not kill the tasks of the refused agent'));
      }
      rejectRegistered(new Error(`refused by the master: ${message}; ${advice}`));
    },
  });
  // zk://…: connect once ZooKeeper names a leader, and move with each new one.
  let follower: LeaderFollower | undefined;
  if (checked.master.startsWith('zk://')) {
    follower = await followLeader(checked.master, logger, (address) => {
      if (connection) connection.leaderChanged(address);
      else (connection = connect(address)).start();
    });
  } else {
    (connection = connect(checked.master)).start();
  }
  logger.info(
    { master: checked.master, http: http.address, executorService: executorService.address, workDir: checked.workDir },
    'agent started',
  );

  let stopping: Promise<void> | undefined;
  return {
    get id() {
      return agent.agentId;
    },
    registered,
    httpAddress: http.address,
    executorAddress: executorService.address,
    state: () => agentState(agent, connection?.master ?? checked.master),
    stop: (stopOptions = {}) =>
      (stopping ??= (async () => {
        agent.stopping = true;
        if (stopOptions.killTasks !== false) await agent.killAll();
        else agent.containerizer.detach?.(); // they run on, for the next agent to re-attach
        agent.updates.stop();
        await sandboxGc.stop();
        follower?.stop();
        connection?.stop();
        await executorService.stop();
        await http.stop();
        logger.info('agent stopped');
      })()),
  };
}

/** The fetcher (its cache emptied) and sandbox GC (what earlier runs left, scheduled). */
async function startSandboxServices(agent: Agent, checked: CheckedOptions): Promise<SandboxGc> {
  const { sandbox: options } = checked;
  const fetcher = new Fetcher({
    workDir: checked.workDir,
    cacheBytes: options.fetcherCacheBytes,
    limits: { stallTimeoutMs: options.fetcherStallTimeoutMs, maxBytes: options.fetcherMaxBytes },
    logger: agent.logger,
  });
  await fetcher.start();
  const sandboxGc = new SandboxGc({
    workDir: checked.workDir,
    delayMs: options.sandboxGcDelayMs,
    diskHeadroom: options.sandboxGcDiskHeadroom,
    diskWatchIntervalMs: options.diskWatchIntervalMs,
    logger: agent.logger,
    inUse: (sandbox) => [...agent.frameworks.values()].some((f) => [...f.executors.values()].some((e) => e.sandbox === sandbox)),
    onRemoved: (sandbox) => agent.sandboxRemoved(sandbox),
  });
  await sandboxGc.start();
  agent.fetcher = fetcher;
  agent.sandboxGc = sandboxGc;
  return sandboxGc;
}

function readAgentId(workDir: string): string | undefined {
  try {
    const id = readFileSync(agentIdFile(workDir), 'utf8').trim();
    return idProblem(id) ? undefined : id;
  } catch {
    return undefined;
  }
}

function writeAgentId(workDir: string, id: string): void {
  const file = agentIdFile(workDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, id + '\n');
}
