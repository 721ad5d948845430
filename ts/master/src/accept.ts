// Accept and Decline. Every operation of an Accept is checked against the
// offers before anything changes: offers of this framework, one agent and one
// role; task ids unique; each task's (and each new executor's) resources taken
// in turn from what the offers hold, so the error names the first task that
// does not fit. Only then are the offers accepted in the allocator, the tasks
// recorded in STAGING, and RunTask / RunTaskGroup sent down the agent's stream.

import type { Resource } from '@tessera/allocator';
import {
  ExecutorInfo,
  MasterMessage,
  Operation_Type,
  TaskInfo,
  TaskState,
  TaskStatus_Reason,
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  toAllocatorResources,
  type AcceptRequest,
  type DeclineRequest,
  type KillPolicy,
  type Operation,
  type Resource as WireResource,
} from '@tessera/common';

import { monotonicNow } from './clock.js';
import type { Master } from './master.js';
import { taskKey, type AgentRecord, type ExecutorRecord, type FrameworkRecord, type OfferRecord } from './model.js';
import { ResourceBag, resourceProblem, sumResources } from './resources.js';
import { checkIdField, invalidOnThrow, refuseSeconds } from './scheduler-validation.js';
import { masterStatus, newTaskRecord, recordStatus, stateFor } from './tasks.js';

/** The offers a call names: distinct, outstanding, and this framework's. */
export function checkOffers(m: Master, framework: FrameworkRecord, ids: readonly string[], path = 'offer_ids'): OfferRecord[] {
  if (ids.length === 0) throw invalidArgument(`${path}: must name at least one offer`);
  const seen = new Set<string>();
  return ids.map((id, i) => {
    if (seen.has(id)) throw invalidArgument(`${path}[${i}]: offer ${id} is named twice`);
    seen.add(id);
    const offer = m.offers.get(id);
    if (!offer) {
      const gone = m.offers.goneReason(id);
      if (gone) throw failedPrecondition(`${path}[${i}]: offer ${id} is no longer valid (${gone})`);
      throw notFound(`${path}[${i}]: no outstanding offer ${id}`);
    }
    if (offer.frameworkId !== framework.id) throw notFound(`${path}[${i}]: no outstanding offer ${id} for framework ${framework.id}`);
    return offer;
  });
}

interface PlannedTask {
  info: TaskInfo;
  executorId: string;
  resources: Resource[];
}

interface PlannedLaunch {
  kind: 'task' | 'group';
  tasks: PlannedTask[];
  executor?: ExecutorInfo;
}

/** Checks an accept's operations against its offers; returns what to launch and what it uses. */
class LaunchPlanner {
  readonly launches: PlannedLaunch[] = [];
  readonly newExecutors = new Map<string, { info: ExecutorInfo; resources: Resource[] }>();
  readonly #used: Resource[][] = [];
  readonly #pool: ResourceBag;
  readonly #taskIds = new Map<string, string>();
  readonly #executorsSeen = new Map<string, { info: ExecutorInfo; path: string }>();

  constructor(
    readonly framework: FrameworkRecord,
    readonly agent: AgentRecord,
    offers: readonly OfferRecord[],
  ) {
    this.#pool = ResourceBag.of(sumResources(offers.map((o) => o.resources)));
  }

  get used(): Resource[] {
    return sumResources(this.#used);
  }

  operation(op: Operation, path: string): void {
    switch (op.type) {
      case Operation_Type.LAUNCH: {
        const tasks = op.launch?.taskInfos ?? [];
        if (tasks.length === 0) throw invalidArgument(`${path}.launch.task_infos: must hold at least one task`);
        const launch: PlannedLaunch = { kind: 'task', tasks: [] };
        tasks.forEach((t, j) => launch.tasks.push(this.#task(t, `${path}.launch.task_infos[${j}]`)));
        this.launches.push(launch);
        return;
      }
      case Operation_Type.LAUNCH_GROUP: {
        const group = op.launchGroup;
        if (!group?.executor) throw invalidArgument(`${path}.launch_group.executor: must be set`);
        const tasks = group.taskGroup?.tasks ?? [];
        if (tasks.length === 0) throw invalidArgument(`${path}.launch_group.task_group.tasks: must hold at least one task`);
        const executor = this.#executor(group.executor, `${path}.launch_group.executor`);
        const launch: PlannedLaunch = { kind: 'group', tasks: [], executor };
        tasks.forEach((t, j) => launch.tasks.push(this.#task(t, `${path}.launch_group.task_group.tasks[${j}]`, executor)));
        this.launches.push(launch);
        return;
      }
      case Operation_Type.UNSPECIFIED:
        throw invalidArgument(`${path}.type: must be set`);
      default: {
        const name = Operation_Type[op.type] ?? String(op.type);
        throw invalidArgument(`${path}.type: ${name} is not supported yet (only LAUNCH and LAUNCH_GROUP)`);
      }
    }
  }

  #resources(list: readonly WireResource[], path: string): Resource[] {
    const converted = invalidOnThrow(() => toAllocatorResources(list, path));
    converted.forEach((r, k) => {
      const problem = resourceProblem(r);
      if (problem) throw invalidArgument(`${path}[${k}].${problem}`);
    });
    return converted;
  }

  #take(resources: Resource[], path: string): void {
    const problem = this.#pool.take(resources);
    if (problem) throw invalidArgument(`${path}: ${problem}`);
    this.#used.push(resources);
  }

  #task(task: TaskInfo, path: string, groupExecutor?: ExecutorInfo): PlannedTask {
    checkIdField(`${path}.task_id`, task.taskId);
    const earlier = this.#taskIds.get(task.taskId);
    if (earlier) throw invalidArgument(`${path}.task_id: duplicate task id ${JSON.stringify(task.taskId)} (also ${earlier})`);
    if (this.framework.tasks.has(task.taskId)) {
      throw alreadyExists(`${path}.task_id: framework ${this.framework.id} already has a task ${JSON.stringify(task.taskId)}`);
    }
    this.#taskIds.set(task.taskId, path);
    if (task.agentId !== '' && task.agentId !== this.agent.id) {
      throw invalidArgument(`${path}.agent_id: must be empty or the offers' agent ${this.agent.id} (got ${task.agentId})`);
    }
    if (groupExecutor) {
      if (task.executor) throw invalidArgument(`${path}.executor: must not be set in a task group (the group's executor runs it)`);
      if (!task.command) throw invalidArgument(`${path}.command: must be set`);
    } else if ((task.command === undefined) === (task.executor === undefined)) {
      throw invalidArgument(`${path}: must set exactly one of command and executor`);
    }
    if (task.command && task.command.value === '') throw invalidArgument(`${path}.command.value: must not be empty`);
    checkKillPolicy(task.killPolicy, `${path}.kill_policy`);
    const resources = this.#resources(task.resources, `${path}.resources`);
    if (resources.length === 0) throw invalidArgument(`${path}.resources: a task must use some resources`);
    const executor = task.executor ? this.#executor(task.executor, `${path}.executor`) : undefined;
    this.#take(resources, `${path}.resources`);
    // A shallow copy: the request is ours, and TaskInfo.create would deep-copy it per task.
    const info: TaskInfo = { ...task, agentId: this.agent.id, executor };
    return { info, executorId: (groupExecutor ?? executor)?.executorId ?? task.taskId, resources };
  }

  /** Checks an executor: a running one must be the same; a new one takes its resources from the offers. */
  #executor(given: ExecutorInfo, path: string): ExecutorInfo {
    checkIdField(`${path}.executor_id`, given.executorId);
    if (given.frameworkId !== '' && given.frameworkId !== this.framework.id) {
      throw invalidArgument(`${path}.framework_id: must be empty or ${this.framework.id} (got ${given.frameworkId})`);
    }
    if (given.command && given.command.value === '') throw invalidArgument(`${path}.command.value: must not be empty`);
    const info = ExecutorInfo.create({ ...given, frameworkId: this.framework.id });
    const bytes = Buffer.from(ExecutorInfo.encode(info).finish());
    const inRequest = this.#executorsSeen.get(info.executorId);
    if (inRequest) {
      if (Buffer.compare(bytes, Buffer.from(ExecutorInfo.encode(inRequest.info).finish())) !== 0) {
        throw invalidArgument(`${path}: executor ${info.executorId} differs from the one at ${inRequest.path}`);
      }
      return info;
    }
    this.#executorsSeen.set(info.executorId, { info, path });
    const running = this.agent.executors.get(taskKey(this.framework.id, info.executorId));
    if (running && !running.freed) {
      if (Buffer.compare(bytes, Buffer.from(ExecutorInfo.encode(running.info).finish())) !== 0) {
        throw invalidArgument(`${path}: executor ${info.executorId} already runs on agent ${this.agent.id} with a different ExecutorInfo`);
      }
      return info;
    }
    const resources = this.#resources(info.resources, `${path}.resources`);
    this.#take(resources, `${path}.resources`);
    this.newExecutors.set(info.executorId, { info, resources });
    return info;
  }
}

function checkKillPolicy(policy: KillPolicy | undefined, path: string): void {
  if (!policy) return;
  const g = policy.gracePeriodSeconds;
  if (!Number.isFinite(g) || g < 0) throw invalidArgument(`${path}.grace_period_seconds: must be a finite number >= 0 (got ${g})`);
}

export function accept(m: Master, framework: FrameworkRecord, request: AcceptRequest): void {
  const offers = checkOffers(m, framework, request.offerIds);
  const refuse = refuseSeconds(request.filters, m.options.defaultRefuseSeconds);
  const first = offers[0]!;
  offers.forEach((o, i) => {
    if (o.agentId !== first.agentId) throw invalidArgument(`offer_ids[${i}]: offer ${o.id} is of agent ${o.agentId}, not ${first.agentId} like offer_ids[0]`);
    if (o.role !== first.role) throw invalidArgument(`offer_ids[${i}]: offer ${o.id} is for role ${o.role}, not ${first.role} like offer_ids[0]`);
  });
  if (request.operations.length === 0) {
    declineOffers(m, offers, refuse);
    return;
  }
  const agent = m.agents.get(first.agentId);
  if (!agent || agent.state !== 'active') throw failedPrecondition(`offer_ids[0]: agent ${first.agentId} of the offers is gone`);
  const planner = new LaunchPlanner(framework, agent, offers);
  request.operations.forEach((op, i) => planner.operation(op, `operations[${i}]`));

  // Everything checked: from here on the accept happens.
  const allocatorIds = offers.map((o) => o.allocatorId);
  invalidOnThrow(() => m.allocator.accept(allocatorIds, planner.used, { refuseSeconds: refuse, now: monotonicNow() }), 'offers: ');
  for (const offer of offers) {
    m.offers.remove(offer, 'accepted');
    framework.offers.delete(offer.id);
  }
  m.filterCreated(refuse);
  for (const [executorId, e] of planner.newExecutors) {
    const record: ExecutorRecord = { frameworkId: framework.id, info: e.info, role: first.role, resources: e.resources, freed: false };
    agent.executors.set(taskKey(framework.id, executorId), record);
  }
  for (const launch of planner.launches) {
    for (const t of launch.tasks) {
      const task = newTaskRecord({ frameworkId: framework.id, agentId: agent.id, executorId: t.executorId, role: first.role, info: t.info, resources: t.resources });
      framework.tasks.set(task.taskId, task);
      agent.tasks.set(taskKey(framework.id, task.taskId), task);
      m.events.emit('task', { kind: 'launched', task });
    }
    const sent =
      launch.kind === 'group'
        ? m.sendToAgent(agent, MasterMessage.create({ runTaskGroup: { frameworkInfo: framework.info, executor: launch.executor, taskGroup: { tasks: launch.tasks.map((t) => t.info) } } }))
        : launch.tasks.every((t) => m.sendToAgent(agent, { runTask: { frameworkInfo: framework.info, task: t.info } }));
    if (!sent) dropLaunch(m, framework, agent, launch);
  }
  m.log.debug({ framework: framework.id, agent: agent.id, tasks: planner.launches.reduce((n, l) => n + l.tasks.length, 0) }, 'offers accepted');
  m.triggerAllocation();
}

/** The agent's stream was gone when the tasks were to be sent: they never reach it. */
function dropLaunch(m: Master, framework: FrameworkRecord, agent: AgentRecord, launch: PlannedLaunch): void {
  for (const t of launch.tasks) {
    const task = framework.tasks.get(t.info.taskId);
    if (!task) continue;
    const state = stateFor(framework.capabilities, TaskState.DROPPED);
    const status = recordStatus(task, masterStatus(task, state, TaskStatus_Reason.AGENT_DISCONNECTED, `agent ${agent.id} was disconnected at launch`));
    task.decidedByMaster = true;
    m.freeTask(task);
    m.forwardStatus(framework, task, status);
  }
}

function declineOffers(m: Master, offers: readonly OfferRecord[], refuse: number): void {
  m.allocator.decline(offers.map((o) => o.allocatorId), { refuseSeconds: refuse, now: monotonicNow() });
  for (const offer of offers) {
    m.offers.remove(offer, 'declined');
    m.frameworks.get(offer.frameworkId)?.offers.delete(offer.id);
  }
  m.filterCreated(refuse);
  m.triggerAllocation();
}

export function decline(m: Master, framework: FrameworkRecord, request: DeclineRequest): void {
  const offers = checkOffers(m, framework, request.offerIds);
  const refuse = refuseSeconds(request.filters, m.options.defaultRefuseSeconds);
  declineOffers(m, offers, refuse);
}
