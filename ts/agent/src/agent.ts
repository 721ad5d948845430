// The agent's core: the frameworks, executors and tasks it runs, what it does
// with each master message, and how task state changes become status updates.
// Transport lives elsewhere (master/connection.ts, executors/service.ts,
// http/), so this reads as the agent's behaviour.

import path from 'node:path';

import {
  AgentMessage,
  ExecutorInfo_Type,
  FrameworkCapability,
  FrameworkInfo,
  TaskState,
  TaskStatus,
  TaskStatus_Reason,
  TaskStatus_Source,
  idProblem,
  newId,
  newUpdateUuid,
  type Attribute,
  type CommandInfo,
  type ExecutorInfo,
  type Logger,
  type MasterMessage,
  type Resource,
  type TaskGroupInfo,
  type TaskInfo,
} from '@tessera/common';

import type { Container, Containerizer } from './containerizer/containerizer.js';
import { deliverLaunch, killCustomTask, shutdownCustomExecutor, startCustomExecutor } from './executors/custom.js';
import { runTaskProcess } from './executors/task-process.js';
import type { Fetcher } from './fetcher/fetcher.js';
import { sandboxDir } from './paths.js';
import type { LaunchCheckpoint } from './recovery/launch-checkpoint.js';
import { superviseReattached } from './recovery/recover-tasks.js';
import type { ExecutorKind, ExecutorRecord, FrameworkRecord, TaskRecord } from './records.js';
import type { SandboxGc } from './sandbox/gc.js';
import type { StatusUpdateManager } from './status-updates/manager.js';
import { isTerminal } from './task-states.js';
import { executorProblem, groupTaskProblem, taskProblem } from './validate.js';

/** Completed executors kept per framework for their sandboxes. */
const COMPLETED_EXECUTORS_KEPT = 100;

export interface AgentConfig {
  workDir: string;
  hostname: string;
  resources: Resource[];
  attributes: Attribute[];
  logger: Logger;
  containerizer: Containerizer;
  defaultKillGraceMs: number;
  executorRegistrationTimeoutMs: number;
  version: string;
}

interface StatusExtra {
  source?: TaskStatus_Source;
  reason?: TaskStatus_Reason;
  message?: string;
  exitCode?: number;
  /** Health as its health check last saw it (RUNNING health updates, and a health kill's end). */
  healthy?: boolean;
}

export class Agent {
  readonly frameworks = new Map<string, FrameworkRecord>();
  agentId: string | undefined;
  /** The agent's HTTP host:port, as AgentInfo.address. */
  address = '';
  executorAddress = '';
  updates!: StatusUpdateManager;
  /** Puts tasks' and executors' URIs into their sandboxes before launch. */
  fetcher!: Fetcher;
  /** Deletes sandboxes of ended executors after the GC delay. */
  sandboxGc: SandboxGc | undefined;
  /** Puts a message on the master stream; false when not connected. */
  sendToMaster: (message: AgentMessage) => boolean = () => false;
  private readonly running = new Set<Promise<void>>();
  /** Set by stop: nothing new is launched. */
  stopping = false;

  constructor(readonly config: AgentConfig) {}

  get logger(): Logger {
    return this.config.logger;
  }
  get containerizer(): Containerizer {
    return this.config.containerizer;
  }
  get executorRegistrationTimeoutMs(): number {
    return this.config.executorRegistrationTimeoutMs;
  }

  // ---- master messages ----

  handleMasterMessage(message: MasterMessage): void {
    if (this.stopping && (message.runTask || message.runTaskGroup)) {
      this.logger.warn('the agent is stopping: dropping a launch (the master will hear the tasks were lost)');
      return;
    }
    if (message.runTask) this.runTask(message.runTask.frameworkInfo, message.runTask.task);
    else if (message.runTaskGroup) {
      const { frameworkInfo, executor, taskGroup } = message.runTaskGroup;
      this.runTaskGroup(frameworkInfo, executor, taskGroup);
    } else if (message.killTask) {
      const { frameworkId, taskId, killPolicy } = message.killTask;
      this.killTask(frameworkId, taskId, killPolicy?.gracePeriodSeconds);
    } else if (message.shutdownExecutor) {
      const { frameworkId, executorId } = message.shutdownExecutor;
      const executor = this.frameworks.get(frameworkId)?.executors.get(executorId);
      if (executor) this.shutdownExecutor(executor);
      else this.logger.info({ frameworkId, executorId }, 'shutdown of an executor this agent does not run');
    } else if (message.shutdownFramework) {
      this.shutdownFramework(message.shutdownFramework.frameworkId);
    } else if (message.acknowledge) {
      const { frameworkId, taskId, uuid } = message.acknowledge;
      this.updates.acknowledge(frameworkId, taskId, uuid);
    } else if (message.acknowledgements) {
      // The master's batched form: each entry exactly as an `acknowledge` of its own, in order.
      for (const { frameworkId, taskId, uuid } of message.acknowledgements.acknowledgements) {
        this.updates.acknowledge(frameworkId, taskId, uuid);
      }
    } else if (message.frameworkMessage) {
      const { frameworkId, executorId, data } = message.frameworkMessage;
      const executor = this.frameworks.get(frameworkId)?.executors.get(executorId);
      if (executor?.subscriber) executor.subscriber.write({ message: { data } });
      else this.logger.info({ frameworkId, executorId }, 'dropping a framework message for an executor that is not subscribed');
    } else if (message.updateFramework?.frameworkInfo) {
      const info = message.updateFramework.frameworkInfo;
      const framework = this.frameworks.get(info.id);
      if (framework) framework.info = info;
    }
  }

  runTask(frameworkInfo: FrameworkInfo | undefined, task: TaskInfo | undefined): void {
    if (!frameworkInfo || !task || idProblem(frameworkInfo.id) || idProblem(task.taskId)) {
      this.logger.error(
        { frameworkId: frameworkInfo?.id, taskId: task?.taskId },
        'RunTask without a valid framework_info.id and task.task_id: dropped',
      );
      return;
    }
    const framework = this.framework(frameworkInfo);
    if (this.findTask(frameworkInfo.id, task.taskId)) {
      this.logger.warn({ frameworkId: frameworkInfo.id, taskId: task.taskId }, 'RunTask for a task already here: dropped');
      return;
    }
    const problem = taskProblem(task, this.agentId);
    if (problem) {
      const executorId = task.executor?.executorId || task.taskId;
      this.rawStatus(frameworkInfo.id, task.taskId, executorId, '', TaskState.ERROR, {
        source: TaskStatus_Source.AGENT,
        reason: TaskStatus_Reason.TASK_INVALID,
        message: problem,
      });
      return;
    }
    if (task.executor) {
      this.launchOnCustomExecutor(framework, task.executor, [task], { task });
      return;
    }
    // The command executor: one task, executor id = task id (as in Mesos).
    const executor = this.newExecutor(framework, task.taskId, 'command', undefined);
    const record = this.addTask(executor, task, executor.sandbox);
    this.track(runTaskProcess(this, executor, record));
  }

  runTaskGroup(frameworkInfo: FrameworkInfo | undefined, executorInfo: ExecutorInfo | undefined, group: TaskGroupInfo | undefined): void {
    if (!frameworkInfo || idProblem(frameworkInfo.id) || !executorInfo || !group || group.tasks.length === 0) {
      this.logger.error({ frameworkId: frameworkInfo?.id }, 'RunTaskGroup without framework_info.id, executor or tasks: dropped');
      return;
    }
    const framework = this.framework(frameworkInfo);
    const problem = this.groupProblem(framework.info.id, executorInfo, group);
    if (problem) {
      for (const task of group.tasks) {
        if (idProblem(task.taskId) || this.findTask(framework.info.id, task.taskId)) continue;
        this.rawStatus(framework.info.id, task.taskId, executorInfo.executorId, '', TaskState.ERROR, {
          source: TaskStatus_Source.AGENT,
          reason: TaskStatus_Reason.TASK_INVALID,
          message: problem,
        });
      }
      return;
    }
    if (executorInfo.type === ExecutorInfo_Type.CUSTOM) {
      this.launchOnCustomExecutor(framework, executorInfo, group.tasks, { group });
      return;
    }
    // The default executor: each task its own process, in <sandbox>/tasks/<task id>.
    let executor = framework.executors.get(executorInfo.executorId);
    if (executor && (executor.kind !== 'default' || executor.shuttingDown)) {
      this.failGroup(framework.info.id, executorInfo.executorId, group, 'the executor id is taken by another kind of executor or shutting down');
      return;
    }
    executor ??= this.newExecutor(framework, executorInfo.executorId, 'default', executorInfo);
    for (const task of group.tasks) {
      const record = this.addTask(executor, task, path.join(executor.sandbox, 'tasks', task.taskId));
      this.track(runTaskProcess(this, executor, record));
    }
  }

  /** Why a task group cannot run here (the first reason), or undefined. */
  private groupProblem(frameworkId: string, executorInfo: ExecutorInfo, group: TaskGroupInfo): string | undefined {
    const executorIssue = executorProblem('executor', executorInfo);
    if (executorIssue) return executorIssue;
    for (const [index, task] of group.tasks.entries()) {
      const field = `task_group.tasks[${index}]`;
      if (this.findTask(frameworkId, task.taskId)) return `${field}.task_id: '${task.taskId}' already runs here`;
      // A custom executor runs its tasks its own way; the default executor needs commands.
      const taskIssue =
        executorInfo.type === ExecutorInfo_Type.CUSTOM
          ? idProblem(task.taskId) && `${field}.task_id: ${idProblem(task.taskId)}`
          : groupTaskProblem(field, task);
      if (taskIssue) return taskIssue;
    }
    return undefined;
  }

  private launchOnCustomExecutor(
    framework: FrameworkRecord,
    executorInfo: ExecutorInfo,
    tasks: TaskInfo[],
    launch: { task: TaskInfo } | { group: TaskGroupInfo },
  ): void {
    let executor = framework.executors.get(executorInfo.executorId);
    if (executor && (executor.kind !== 'custom' || executor.shuttingDown)) {
      for (const task of tasks) {
        this.rawStatus(framework.info.id, task.taskId, executorInfo.executorId, '', TaskState.FAILED, {
          source: TaskStatus_Source.AGENT,
          reason: TaskStatus_Reason.EXECUTOR_TERMINATED,
          message: `executor '${executorInfo.executorId}' is ${executor.shuttingDown ? 'shutting down' : 'not a custom executor'}`,
        });
      }
      return;
    }
    const fresh = !executor;
    executor ??= this.newExecutor(framework, executorInfo.executorId, 'custom', { ...executorInfo, frameworkId: framework.info.id });
    for (const task of tasks) this.addTask(executor, task, executor.sandbox);
    deliverLaunch(executor, launch);
    if (fresh) this.track(startCustomExecutor(this, executor));
  }

  private failGroup(frameworkId: string, executorId: string, group: TaskGroupInfo, why: string): void {
    for (const task of group.tasks) {
      this.rawStatus(frameworkId, task.taskId, executorId, '', TaskState.FAILED, {
        source: TaskStatus_Source.AGENT,
        reason: TaskStatus_Reason.EXECUTOR_TERMINATED,
        message: why,
      });
    }
  }

  /** Kill: SIGTERM, SIGKILL after the grace (given here ?? the task's ?? the agent default). */
  killTask(frameworkId: string, taskId: string, graceSeconds?: number): void {
    const found = this.findTask(frameworkId, taskId);
    if (!found) {
      if (this.isCompletedTask(frameworkId, taskId)) {
        this.logger.info({ frameworkId, taskId }, 'kill of a task that has already ended: nothing to do');
        return;
      }
      if (this.updates.latestState(frameworkId, taskId) !== undefined) return; // ended, updates in flight
      const partitionAware = this.frameworks.get(frameworkId)?.info.capabilities.includes(FrameworkCapability.PARTITION_AWARE);
      this.rawStatus(frameworkId, taskId, taskId, '', partitionAware ? TaskState.DROPPED : TaskState.LOST, {
        source: TaskStatus_Source.AGENT,
        reason: TaskStatus_Reason.TASK_UNKNOWN,
        message: `kill of task '${taskId}', which this agent does not run (never launched here, or long gone)`,
      });
      return;
    }
    const { executor, task } = found;
    if (isTerminal(task.state) || task.killing) return;
    const seconds = graceSeconds ?? task.info.killPolicy?.gracePeriodSeconds;
    const graceMs = seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : this.config.defaultKillGraceMs;
    task.killing = true;
    task.killGraceMs = graceMs;
    this.logger.info({ frameworkId, taskId, graceMs }, 'killing task');
    if (executor.kind === 'custom') {
      killCustomTask(this, executor, taskId, { gracePeriodSeconds: graceMs / 1000 });
    } else if (task.container) {
      void this.containerizer.kill(task.container.containerId, graceMs);
    } else {
      // Still launching: a fetch under way is aborted; runTaskProcess sees `killing` once it has a container.
      task.abortFetch?.();
    }
  }

  shutdownExecutor(executor: ExecutorRecord): void {
    this.logger.info({ frameworkId: executor.frameworkId, executorId: executor.executorId }, 'shutting down executor');
    if (executor.kind === 'custom') {
      this.track(shutdownCustomExecutor(this, executor, this.config.defaultKillGraceMs));
      return;
    }
    executor.shuttingDown = true;
    for (const task of executor.tasks.values()) this.killTask(executor.frameworkId, task.info.taskId);
  }

  shutdownFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    for (const executor of [...framework.executors.values()]) this.shutdownExecutor(executor);
  }

  // ---- status updates ----

  /** Records a task's new state and hands the update to the status update manager. */
  status(task: TaskRecord, state: TaskState, extra: StatusExtra = {}): void {
    if (isTerminal(task.state)) return;
    task.state = state;
    const executor = this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    this.rawStatus(task.frameworkId, task.info.taskId, task.executorId, executor?.containerId ?? '', state, extra);
  }

  rawStatus(frameworkId: string, taskId: string, executorId: string, containerId: string, state: TaskState, extra: StatusExtra): void {
    const status = TaskStatus.create({
      taskId,
      state,
      message: extra.message ?? '',
      source: extra.source ?? TaskStatus_Source.EXECUTOR,
      reason: extra.reason ?? TaskStatus_Reason.UNSPECIFIED,
      timestamp: Date.now() / 1000,
      agentId: this.agentId ?? '',
      executorId,
      uuid: newUpdateUuid(),
      containerId,
      exitCode: extra.exitCode,
      healthy: extra.healthy,
    });
    this.updates.update(frameworkId, status);
  }

  // ---- ends of tasks and executors ----

  /** A built-in executor's task is over; its executor ends with its last task. */
  taskEnded(executor: ExecutorRecord, task: TaskRecord): void {
    if (executor.kind === 'default' && task.state !== TaskState.FINISHED && !executor.shuttingDown) {
      // Tasks of a group live and die together (Mesos's default executor).
      executor.shuttingDown = true;
      for (const other of executor.tasks.values()) this.killTask(executor.frameworkId, other.info.taskId);
    }
    if ([...executor.tasks.values()].every((t) => isTerminal(t.state))) {
      this.executorEnded(executor, task.state === TaskState.FINISHED ? 0 : undefined);
    }
  }

  executorEnded(executor: ExecutorRecord, exitStatus: number | undefined): void {
    if (executor.completed) return;
    executor.completed = true;
    const framework = this.frameworks.get(executor.frameworkId);
    if (framework) {
      framework.executors.delete(executor.executorId);
      framework.completedExecutors.push(executor);
      if (framework.completedExecutors.length > COMPLETED_EXECUTORS_KEPT) framework.completedExecutors.shift();
    }
    this.sandboxGc?.schedule(executor.sandbox);
    this.sendToMaster(
      AgentMessage.create({
        executorExited: { frameworkId: executor.frameworkId, executorId: executor.executorId, status: exitStatus },
      }),
    );
  }

  /** The GC deleted a sandbox: its completed executor is no longer listed or browsable. */
  sandboxRemoved(sandbox: string): void {
    for (const framework of this.frameworks.values()) {
      framework.completedExecutors = framework.completedExecutors.filter((e) => e.sandbox !== sandbox);
    }
  }

  // ---- lookups ----

  findTask(frameworkId: string, taskId: string): { executor: ExecutorRecord; task: TaskRecord } | undefined {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return undefined;
    for (const executor of framework.executors.values()) {
      const task = executor.tasks.get(taskId);
      if (task) return { executor, task };
    }
    return undefined;
  }

  private isCompletedTask(frameworkId: string, taskId: string): boolean {
    return !!this.frameworks.get(frameworkId)?.completedExecutors.some((e) => e.tasks.has(taskId));
  }

  /** The executor (live first, then completed; a given container id picks the run). */
  findExecutor(frameworkId: string, executorId: string, containerId?: string): ExecutorRecord | undefined {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return undefined;
    const runs = [...framework.completedExecutors, ...framework.executors.values()].filter((e) => e.executorId === executorId);
    if (containerId !== undefined) return runs.find((e) => e.containerId === containerId);
    return runs.at(-1);
  }

  /** Who a command runs as: its own user, else the framework's, else the agent's. */
  userFor(frameworkId: string, command: CommandInfo): string | undefined {
    return command.user || this.frameworks.get(frameworkId)?.info.user || undefined;
  }

  // ---- bookkeeping ----

  /** Supervises again a task an earlier run of the agent launched, whose container was re-attached (recovery/). */
  reattachTask(launch: LaunchCheckpoint, state: TaskState, container: Container): void {
    const executor = this.newExecutor(this.framework(launch.frameworkInfo), launch.executorId, 'command', undefined);
    executor.containerId = launch.containerId;
    executor.sandbox = launch.sandbox;
    const task = this.addTask(executor, launch.task, launch.sandbox);
    task.state = state;
    this.track(superviseReattached(this, executor, task, container));
  }

  private framework(info: FrameworkInfo): FrameworkRecord {
    let framework = this.frameworks.get(info.id);
    if (!framework) {
      framework = { info, executors: new Map(), completedExecutors: [] };
      this.frameworks.set(info.id, framework);
    } else {
      framework.info = info;
    }
    return framework;
  }

  private newExecutor(framework: FrameworkRecord, executorId: string, kind: ExecutorKind, info: ExecutorInfo | undefined): ExecutorRecord {
    const containerId = newId();
    const executor: ExecutorRecord = {
      frameworkId: framework.info.id,
      executorId,
      kind,
      info,
      containerId,
      sandbox: sandboxDir(this.config.workDir, this.agentId ?? 'unregistered', framework.info.id, executorId, containerId),
      tasks: new Map(),
      queued: [],
      shuttingDown: false,
      completed: false,
    };
    framework.executors.set(executorId, executor);
    return executor;
  }

  private addTask(executor: ExecutorRecord, info: TaskInfo, sandbox: string): TaskRecord {
    const task: TaskRecord = {
      info,
      frameworkId: executor.frameworkId,
      executorId: executor.executorId,
      state: TaskState.STAGING,
      sandbox,
      killing: false,
    };
    executor.tasks.set(info.taskId, task);
    return task;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.logger.error({ err }, 'executor work failed')).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Kills every task and executor, and waits for them (agent stop). */
  async killAll(): Promise<void> {
    for (const framework of this.frameworks.values()) {
      for (const executor of [...framework.executors.values()]) {
        if (executor.kind === 'custom') {
          executor.shuttingDown = true;
          void this.containerizer.kill(executor.containerId, 0);
        } else {
          this.shutdownExecutor(executor);
        }
      }
    }
    await Promise.all([...this.running]);
  }
}
