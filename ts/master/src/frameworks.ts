// The framework lifecycle: subscribe (new, failover take-over, or recovery
// from the registry), heartbeats, disconnection and the failover timer,
// UpdateFramework, and teardown.

import {
  Event,
  FrameworkInfo,
  MasterMessage,
  TaskState,
  TaskStatus_Reason,
  failedPrecondition,
  invalidArgument,
  newId,
  notFound,
  permissionDenied,
  toAllocatorCapabilities,
  toAllocatorConstraints,
  unavailable,
} from '@tessera/common';

import type { Master } from './master.js';
import { REMOVED_IDS_KEPT } from './registry/registry.js';
import { isConnected, type FrameworkRecord } from './model.js';
import { checkFrameworkInfo, invalidOnThrow, type CheckedFramework } from './scheduler-validation.js';
import type { SafeStream } from './streams.js';
import { clearFailoverDeadline, recordFailoverDeadline } from './recovery.js';
import { isTerminal, masterStatus, recordStatus } from './tasks.js';

function normalized(info: FrameworkInfo, id: string, checked: CheckedFramework): FrameworkInfo {
  return FrameworkInfo.create({ ...info, id, roles: checked.roles });
}

function newRecord(info: FrameworkInfo, checked: CheckedFramework, recovered: boolean): FrameworkRecord {
  return {
    id: info.id,
    info,
    roles: checked.roles,
    capabilities: checked.capabilitySet,
    registeredAt: new Date(),
    tasks: new Map(),
    offers: new Set(),
    recovered,
  };
}

async function persist(m: Master, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    m.log.error({ err }, 'registry write failed');
    throw unavailable(`registry: could not record the change (${(err as Error).message})`);
  }
}

/** Handles Subscribe: returns the framework now bound to `stream` (SUBSCRIBED already sent). */
export async function subscribe(m: Master, info: FrameworkInfo | undefined, stream: SafeStream<Event>): Promise<FrameworkRecord> {
  const checked = checkFrameworkInfo(info);
  const given = info!;
  const spec = { roles: checked.roles, capabilities: checked.capabilities, offerConstraints: checked.offerConstraints };

  if (given.id === '') {
    const id = newId();
    const full = normalized(given, id, checked);
    invalidOnThrow(() => m.allocator.addFramework({ id, ...spec, active: false }), 'framework_info: ');
    try {
      await persist(m, () => m.registry.addFramework(full));
    } catch (err) {
      m.allocator.removeFramework(id);
      throw err;
    }
    const framework = newRecord(full, checked, false);
    m.frameworks.set(id, framework);
    m.log.info({ framework: id, name: full.name, roles: checked.roles }, 'framework registered');
    attach(m, framework, stream);
    return framework;
  }

  const id = given.id;
  if (m.removedFrameworkIds.has(id)) throw failedPrecondition(`framework_info.id: framework ${id} was removed`);
  const existing = m.frameworks.get(id);
  if (!existing && !m.registeredFrameworks.has(id)) {
    throw notFound(`framework_info.id: framework ${id} is not known to this master`);
  }
  const known = existing && !existing.recovered ? existing.info : m.registeredFrameworks.get(id);
  if (known && known.principal !== given.principal) {
    throw permissionDenied(`framework_info.principal: framework ${id} is registered with another principal`);
  }
  const full = normalized(given, id, checked);
  if (existing) {
    invalidOnThrow(() => m.allocator.updateFramework(id, spec), 'framework_info: ');
  } else {
    invalidOnThrow(() => m.allocator.addFramework({ id, ...spec, active: false }), 'framework_info: ');
  }
  try {
    await persist(m, () => m.registry.updateFramework(full));
  } catch (err) {
    if (!existing) m.allocator.removeFramework(id);
    else restoreAllocatorSpec(m, existing);
    throw err;
  }
  if (m.removedFrameworkIds.has(id)) throw failedPrecondition(`framework_info.id: framework ${id} was removed`);
  const framework = m.frameworks.get(id) ?? newRecord(full, checked, false);
  m.frameworks.set(id, framework);
  m.registeredFrameworks.delete(id);
  const leftRoles = framework.roles.filter((r) => !checked.roles.includes(r));
  framework.info = full;
  framework.roles = checked.roles;
  framework.capabilities = checked.capabilitySet;
  framework.recovered = false;
  for (const offer of m.offersWhere((o) => o.frameworkId === id && leftRoles.includes(o.role))) m.rescindOffer(offer);
  m.log.info({ framework: id, name: full.name, failover: existing !== undefined }, 'framework re-subscribed');
  attach(m, framework, stream);
  return framework;
}

/** Puts the allocator's view of a framework back to its recorded info (a change that could not be recorded). */
function restoreAllocatorSpec(m: Master, framework: FrameworkRecord): void {
  try {
    m.allocator.updateFramework(framework.id, {
      roles: framework.roles,
      capabilities: toAllocatorCapabilities([...framework.capabilities]),
      offerConstraints: framework.info.offerConstraints ? toAllocatorConstraints(framework.info.offerConstraints) : {},
    });
  } catch (err) {
    m.log.error({ err, framework: framework.id }, 'could not restore the allocator view of the framework');
  }
}

/** Binds a framework to its new stream: the older stream (if any) ends, and missed updates are sent again. */
function attach(m: Master, framework: FrameworkRecord, stream: SafeStream<Event>): void {
  const old = framework.stream;
  framework.stream = undefined;
  if (old && old !== stream) {
    // As Mesos: the older scheduler hears it failed over (fatal to it), so two
    // instances do not take the framework from each other in turn.
    old.send(Event.create({ error: { message: `framework ${framework.id} failed over: a newer subscription took it over` } }));
    old.end();
  }
  if (framework.failover) clearTimeout(framework.failover);
  framework.failover = undefined;
  if (framework.heartbeat) clearInterval(framework.heartbeat);

  const streamId = newId();
  framework.stream = stream;
  framework.streamId = streamId;
  stream.send(
    Event.create({
      subscribed: {
        frameworkId: framework.id,
        streamId,
        heartbeatIntervalSeconds: m.options.frameworkHeartbeatSeconds,
        masterId: m.id,
      },
    }),
  );
  framework.heartbeat = setInterval(
    () => m.guarded('heartbeat', () => void m.sendEvent(framework, Event.create({ heartbeat: {} }))),
    m.options.frameworkHeartbeatSeconds * 1000,
  );
  framework.heartbeat.unref?.();
  m.allocator.activateFramework(framework.id);
  for (const task of framework.tasks.values()) {
    if (task.pending) m.sendEvent(framework, Event.create({ update: { status: task.pending } }));
  }
  stream.onClose((reason) => disconnected(m, framework, stream, reason));
  clearFailoverDeadline(m, framework.id);
  m.events.emit('framework', { kind: 'subscribed', framework });
  m.triggerAllocation();
}

/** The scheduler's stream ended: no more offers, outstanding ones return, and the failover timer starts. */
function disconnected(m: Master, framework: FrameworkRecord, stream: SafeStream<Event>, reason: string): void {
  if (framework.stream !== stream || m.stopped) return;
  framework.stream = undefined;
  if (framework.heartbeat) clearInterval(framework.heartbeat);
  framework.heartbeat = undefined;
  if (!m.frameworks.has(framework.id)) return;
  m.allocator.deactivateFramework(framework.id);
  for (const offer of m.offersWhere((o) => o.frameworkId === framework.id)) m.rescindOffer(offer, 'rescinded', false);
  const seconds = checkFailover(framework);
  m.log.info({ framework: framework.id, reason, failoverTimeoutSeconds: seconds }, 'framework disconnected');
  m.events.emit('framework', { kind: 'disconnected', framework });
  if (seconds > 0) recordFailoverDeadline(m, framework, seconds);
  framework.failover = setTimeout(() => {
    framework.failover = undefined;
    if (!isConnected(framework) && m.frameworks.get(framework.id) === framework) {
      m.guarded('failover teardown', () => teardown(m, framework, `framework ${framework.id} did not re-subscribe within its failover timeout`));
    }
  }, seconds * 1000);
  framework.failover.unref?.();
}

function checkFailover(framework: FrameworkRecord): number {
  const t = framework.info.failoverTimeout;
  return Number.isFinite(t) && t > 0 ? Math.min(t, 2_147_483) : 0;
}

/** Removes a framework: offers rescinded, tasks killed on their agents, resources released, registry updated. */
export async function teardown(m: Master, framework: FrameworkRecord, reason: string): Promise<void> {
  if (m.frameworks.get(framework.id) !== framework) return;
  const id = framework.id;
  if (framework.failover) clearTimeout(framework.failover);
  if (framework.heartbeat) clearInterval(framework.heartbeat);
  framework.failover = undefined;
  framework.heartbeat = undefined;

  m.forgetRescinded(m.allocator.removeFramework(id), false);
  for (const offer of m.offersWhere((o) => o.frameworkId === id)) m.rescindOffer(offer, 'rescinded', false);

  const agentsTold = new Set<string>();
  for (const task of [...framework.tasks.values()]) {
    if (!agentsTold.has(task.agentId)) {
      agentsTold.add(task.agentId);
      const agent = m.agents.get(task.agentId);
      if (agent) m.sendToAgent(agent, MasterMessage.create({ shutdownFramework: { frameworkId: id } }));
    }
    task.freed = true; // removeFramework released everything it used
    if (!isTerminal(task.state)) {
      recordStatus(task, masterStatus(task, TaskState.KILLED, TaskStatus_Reason.FRAMEWORK_REMOVED, reason));
    }
    m.completeTask(task);
  }
  for (const agent of m.agents.values()) {
    for (const [key, executor] of agent.executors) {
      if (executor.frameworkId !== id) continue;
      agent.executors.delete(key);
      if (!agentsTold.has(agent.id)) {
        agentsTold.add(agent.id);
        m.sendToAgent(agent, MasterMessage.create({ shutdownFramework: { frameworkId: id } }));
      }
    }
  }

  m.frameworks.delete(id);
  m.registeredFrameworks.delete(id);
  m.removedFrameworkIds.add(id);
  // Bounded like the registry's list: the oldest removed ids are forgotten first.
  if (m.removedFrameworkIds.size > REMOVED_IDS_KEPT) {
    const oldest = m.removedFrameworkIds.values().next().value;
    if (oldest !== undefined) m.removedFrameworkIds.delete(oldest);
  }
  framework.removedAt = new Date();
  m.rememberCompletedFramework(framework);
  const stream = framework.stream;
  framework.stream = undefined;
  if (stream) {
    stream.send(Event.create({ error: { message: `framework removed: ${reason}` } }));
    stream.end();
  }
  m.log.info({ framework: id, reason }, 'framework removed');
  m.events.emit('framework', { kind: 'removed', framework });
  m.triggerAllocation();
  try {
    await m.registry.removeFramework(id);
  } catch (err) {
    m.log.error({ err, framework: id }, 'registry: could not record the framework removal');
  }
}

/** UpdateFramework: new roles, capabilities, constraints or failover timeout, told to the agents running its tasks. */
export async function updateFramework(m: Master, framework: FrameworkRecord, info: FrameworkInfo | undefined): Promise<void> {
  const checked = checkFrameworkInfo(info);
  const given = info!;
  if (given.id !== framework.id) {
    throw invalidArgument(`framework_info.id: must be the caller's framework id ${framework.id} (got ${JSON.stringify(given.id)})`);
  }
  if (given.principal !== framework.info.principal) {
    throw invalidArgument('framework_info.principal: cannot change');
  }
  const full = normalized(given, framework.id, checked);
  const specOf = (c: CheckedFramework) => ({ roles: c.roles, capabilities: c.capabilities, offerConstraints: c.offerConstraints });
  // The allocator has the last word on the new info (e.g. a regex that does not compile).
  invalidOnThrow(() => m.allocator.updateFramework(framework.id, specOf(checked)), 'framework_info: ');
  try {
    await persist(m, () => m.registry.updateFramework(full));
  } catch (err) {
    // Not recorded: the call fails and changes nothing.
    restoreAllocatorSpec(m, framework);
    throw err;
  }
  if (m.frameworks.get(framework.id) !== framework) return; // torn down meanwhile
  const leftRoles = framework.roles.filter((r) => !checked.roles.includes(r));
  framework.info = full;
  framework.roles = checked.roles;
  framework.capabilities = checked.capabilitySet;
  for (const offer of m.offersWhere((o) => o.frameworkId === framework.id && leftRoles.includes(o.role))) m.rescindOffer(offer);
  const agents = new Set([...framework.tasks.values()].map((t) => t.agentId));
  for (const agentId of agents) {
    const agent = m.agents.get(agentId);
    if (agent) m.sendToAgent(agent, MasterMessage.create({ updateFramework: { frameworkInfo: full } }));
  }
  m.triggerAllocation();
}
