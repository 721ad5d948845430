// The master's state and the small operations every part of it shares:
// sending on streams, rescinding offers, freeing and completing tasks. The
// lifecycles that use them live beside it: frameworks.ts, agents.ts,
// accept.ts, status-updates.ts, reconcile.ts.

import { Allocator } from '@tessera/allocator';
import {
  Event,
  MasterMessage,
  type FrameworkInfo,
  type Logger,
  type MasterMessage_Acknowledge,
  type TaskStatus,
} from '@tessera/common';

import { AgentAcknowledgements } from './agent-acks.js';
import { AllocationLoop } from './allocation-loop.js';
import { monotonicNow } from './clock.js';
import { timedRegistry } from './metrics/timed-registry.js';
import { isConnected, taskKey, type AgentRecord, type FrameworkRecord, type OfferRecord } from './model.js';
import { OfferBook, runAllocationCycle, type GoneReason } from './offers.js';
import { MasterEvents } from './operator/events.js';
import type { ResolvedOptions } from './options.js';
import type { Registry, RegistryState } from './registry/registry.js';
import { RemovalLimiter } from './removal-limiter.js';
import type { TaskRecord } from './tasks.js';

export const COMPLETED_FRAMEWORKS_KEPT = 100;
export const COMPLETED_TASKS_KEPT = 1000;
export const VERSION = '0.1.0';

export class Master {
  readonly id: string;
  readonly startedAt = new Date();
  readonly version = VERSION;
  readonly options: ResolvedOptions;
  readonly log: Logger;
  readonly registry: Registry;
  readonly allocator: Allocator;
  readonly offers: OfferBook;
  readonly loop: AllocationLoop;
  /** Acknowledgements to agents, coalesced per agent per event-loop turn. */
  readonly agentAcks: AgentAcknowledgements;
  /** Permits to mark agents unreachable (agentRemovalRateLimit). */
  readonly removalLimiter: RemovalLimiter;
  /** Task, agent, framework and offer changes, for the metrics and the operator event stream (operator/events.ts). */
  readonly events = new MasterEvents();

  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  readonly removedFrameworkIds: Set<string>;
  /** Frameworks in the registry that have not re-subscribed to this master yet. */
  readonly registeredFrameworks = new Map<string, FrameworkInfo>();
  /** Frameworks whose failover deadline is in the registry (recovery.ts). */
  readonly failoverDeadlines = new Set<string>();
  /** Failover deadlines of frameworks from the registry, until they re-subscribe (recovery.ts). */
  readonly recoveryDeadlines = new Map<string, NodeJS.Timeout>();

  readonly agents = new Map<string, AgentRecord>();
  /** Agents in the registry that have not re-registered with this master yet. */
  readonly recoveringAgents = new Set<string>();
  /** What the registry holds for each agent it has as reachable (AgentInfo bytes): an unchanged re-registration writes nothing. */
  readonly admittedAgents = new Map<string, Buffer>();
  readonly removedAgentIds: Set<string>;

  readonly completedTasks: TaskRecord[] = [];

  /** Runs out when agents from the registry had their time to re-register. */
  reregisterDeadline?: NodeJS.Timeout;

  grpcAddress = '';
  httpAddress = '';
  #stopped = false;

  constructor(id: string, options: ResolvedOptions, log: Logger, registry: Registry, recovered: RegistryState) {
    this.id = id;
    this.options = options;
    this.log = log;
    this.registry = timedRegistry(registry, this.events);
    this.allocator = new Allocator({ placement: options.placement });
    this.offers = new OfferBook(id, this.events);
    this.loop = new AllocationLoop(() => this.#allocate(), options.allocationDelayMs);
    this.agentAcks = new AgentAcknowledgements((agent, message) => agent.stream?.send(message) ?? false);
    this.removalLimiter = new RemovalLimiter(options.agentRemovalRateLimit);
    this.removedFrameworkIds = new Set(recovered.removedFrameworks);
    this.removedAgentIds = new Set(recovered.removedAgents);
    for (const info of recovered.frameworks) this.registeredFrameworks.set(info.id, info);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  #allocate(): void {
    try {
      const started = performance.now();
      runAllocationCycle(this);
      this.events.emit('allocation', { seconds: (performance.now() - started) / 1000 });
    } catch (err) {
      this.log.error({ err }, 'allocation cycle failed');
    }
  }

  /** Runs a timer's work: whatever it throws is logged, never thrown into the event loop. */
  guarded(what: string, fn: () => void | Promise<void>): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err: unknown) => this.log.error({ err }, `${what} failed`));
    } catch (err) {
      this.log.error({ err }, `${what} failed`);
    }
  }

  triggerAllocation(): void {
    this.loop.trigger();
  }

  /** Remembers when a filter made now for `refuseSeconds` lapses, so a cycle runs then. */
  filterCreated(refuseSeconds: number): void {
    if (refuseSeconds > 0) this.loop.wakeAt(monotonicNow() + refuseSeconds * 1000);
  }

  sendEvent(framework: FrameworkRecord, event: Event): boolean {
    return framework.stream?.send(event) ?? false;
  }

  sendToAgent(agent: AgentRecord, message: MasterMessage): boolean {
    // Acknowledgements waiting for this agent go first: the order the master decided holds.
    this.agentAcks.flush(agent);
    return agent.stream?.send(message) ?? false;
  }

  /** Tells the agent to stop resending an update; coalesced with the agent's other acknowledgements of this turn. */
  acknowledgeToAgent(agent: AgentRecord, ack: MasterMessage_Acknowledge): void {
    this.agentAcks.add(agent, ack);
  }

  /** Withdraws an outstanding offer: its resources go back unfiltered; the framework hears RESCIND. */
  rescindOffer(offer: OfferRecord, reason: GoneReason = 'rescinded', notify = true): void {
    if (this.offers.get(offer.id) !== offer) return;
    try {
      this.allocator.rescind(offer.allocatorId);
    } catch (err) {
      this.log.warn({ err, offer: offer.id }, 'allocator did not know the offer being rescinded');
    }
    this.#forgetOffer(offer, reason, notify);
    this.triggerAllocation();
  }

  /** Forgets offers the allocator already rescinded (removeAgent, removeFramework return their ids). */
  forgetRescinded(allocatorIds: readonly number[], notify: boolean): void {
    for (const allocatorId of allocatorIds) {
      const offer = this.offers.byAllocatorId(allocatorId);
      if (offer) this.#forgetOffer(offer, 'rescinded', notify);
    }
  }

  #forgetOffer(offer: OfferRecord, reason: GoneReason, notify: boolean): void {
    this.offers.remove(offer, reason);
    const framework = this.frameworks.get(offer.frameworkId);
    if (!framework) return;
    framework.offers.delete(offer.id);
    if (notify) this.sendEvent(framework, Event.create({ rescind: { offerId: offer.id } }));
  }

  /** Offers (outstanding) of a framework, or of an agent. */
  offersWhere(pred: (o: OfferRecord) => boolean): OfferRecord[] {
    return [...this.offers.all()].filter(pred);
  }

  /** Gives a task's resources back to the allocator, once. */
  freeTask(task: TaskRecord): void {
    if (task.freed) return;
    task.freed = true;
    const agent = this.agents.get(task.agentId);
    if (!agent?.inAllocator || task.resources.length === 0) return;
    try {
      this.allocator.recover(task.frameworkId, task.agentId, task.role, task.resources, { now: monotonicNow() });
      this.triggerAllocation();
    } catch (err) {
      this.log.error({ err, task: task.taskId, framework: task.frameworkId }, 'could not recover task resources');
    }
  }

  /** Sends a status update to the framework, to be acknowledged by its uuid (if it has one). */
  forwardStatus(framework: FrameworkRecord, task: TaskRecord, status: TaskStatus): void {
    if (status.uuid.length > 0) task.pending = status;
    this.events.emit('task', { kind: 'updated', task, status });
    // A literal, not Event.create: create() deep-copies the status, per update.
    if (isConnected(framework)) this.sendEvent(framework, { update: { status } });
  }

  /** Moves a finished task out of the live tables. */
  completeTask(task: TaskRecord): void {
    this.frameworks.get(task.frameworkId)?.tasks.delete(task.taskId);
    this.agents.get(task.agentId)?.tasks.delete(taskKey(task.frameworkId, task.taskId));
    task.pending = undefined;
    this.completedTasks.push(task);
    this.events.emit('task', { kind: 'completed', task });
    // Trimmed in bulk: one splice per COMPLETED_TASKS_KEPT completions, not a
    // 1,000-element shift per task; readers take the last COMPLETED_TASKS_KEPT.
    if (this.completedTasks.length >= 2 * COMPLETED_TASKS_KEPT) {
      this.completedTasks.splice(0, this.completedTasks.length - COMPLETED_TASKS_KEPT);
    }
  }

  rememberCompletedFramework(framework: FrameworkRecord): void {
    this.completedFrameworks.push(framework);
    if (this.completedFrameworks.length > COMPLETED_FRAMEWORKS_KEPT) {
      this.completedFrameworks.splice(0, this.completedFrameworks.length - COMPLETED_FRAMEWORKS_KEPT);
    }
  }

  /** Stops every timer and ends every stream. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.loop.stop();
    this.agentAcks.stop();
    this.removalLimiter.stop();
    this.offers.clear();
    if (this.reregisterDeadline) clearTimeout(this.reregisterDeadline);
    for (const timer of this.recoveryDeadlines.values()) clearTimeout(timer);
    this.recoveryDeadlines.clear();
    for (const f of this.frameworks.values()) {
      if (f.heartbeat) clearInterval(f.heartbeat);
      if (f.failover) clearTimeout(f.failover);
      const stream = f.stream;
      f.stream = undefined;
      stream?.end();
    }
    for (const a of this.agents.values()) {
      if (a.pinger) clearInterval(a.pinger);
      if (a.reconnectDeadline) clearTimeout(a.reconnectDeadline);
      a.goneTimer?.cancel();
      const stream = a.stream;
      a.stream = undefined;
      stream?.end();
    }
  }
}
