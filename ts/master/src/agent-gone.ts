// Gone agents. An agent unreachable for agentUnreachableTimeoutSeconds (Mesos'
// registry_max_agent_age) is removed from the registry for good: its id joins
// the registry's removedAgents, so it stays gone across master restarts and
// failovers. Partition-aware frameworks hear TASK_GONE (REASON_AGENT_REMOVED)
// for the tasks it had, which were TASK_UNREACHABLE until then; the others
// already had TASK_LOST and hear nothing new. If the agent ever comes back it
// is refused (agent-reregistration.ts) and told why, so it stops what it runs.

import { TaskState, TaskStatus_Reason } from '@tessera/common';

import { longTimeout } from './clock.js';
import type { Master } from './master.js';
import type { AgentRecord } from './model.js';
import { REMOVED_IDS_KEPT } from './registry/registry.js';
import { isTerminal, masterStatus, recordStatus } from './tasks.js';

// A registry write that failed is tried again this much later (or at the timeout, if shorter).
const RETRY_MS = 60_000;

/** Starts (or restarts) the agent's unreachable timeout: `afterMs` from now it is gone. */
export function scheduleGone(m: Master, agent: AgentRecord, afterMs: number): void {
  agent.goneTimer?.cancel();
  agent.goneTimer = longTimeout(() => {
    agent.goneTimer = undefined;
    m.guarded('agent unreachable timeout', () => markGone(m, agent));
  }, afterMs);
}

/**
 * How long an agent the registry lists as unreachable since `unreachableAt`
 * has left, for a master that just recovered it. Across processes only the
 * wall clock is shared, so this one duration is measured on it; a clock that
 * stepped is clamped to [0, timeout] rather than trusted.
 */
export function remainingAfterRecovery(m: Master, unreachableAt: string): number {
  const timeoutMs = m.options.agentUnreachableTimeoutSeconds * 1000;
  const since = Date.parse(unreachableAt);
  if (!Number.isFinite(since)) return timeoutMs;
  return Math.min(timeoutMs, Math.max(0, timeoutMs - (Date.now() - since)));
}

export function stopGoneTimer(agent: AgentRecord): void {
  agent.goneTimer?.cancel();
  agent.goneTimer = undefined;
}

/** The agent is gone: recorded in the registry first, then forgotten here and its partition-aware tasks TASK_GONE. */
export async function markGone(m: Master, agent: AgentRecord): Promise<void> {
  if (agent.state !== 'unreachable' || m.stopped || m.agents.get(agent.id) !== agent) return;
  // Re-registrations are refused from here on, also while the write is in flight.
  agent.state = 'removed';
  m.admittedAgents.delete(agent.id);
  try {
    await m.registry.removeAgent(agent.id);
  } catch (err) {
    // Not durable: a restarted master would take the agent back, so neither do
    // the frameworks hear it is gone. Still unreachable; tried again later.
    m.log.error({ err, agent: agent.id }, 'registry: could not remove the agent; trying again later');
    if (m.stopped || m.agents.get(agent.id) !== agent) return;
    agent.state = 'unreachable';
    scheduleGone(m, agent, Math.min(RETRY_MS, m.options.agentUnreachableTimeoutSeconds * 1000));
    return;
  }
  if (m.stopped) return;
  m.agents.delete(agent.id);
  rememberRemovedAgent(m, agent.id);
  m.log.warn({ agent: agent.id, unreachableForSeconds: m.options.agentUnreachableTimeoutSeconds }, 'agent gone: unreachable past the timeout, removed');

  let gone = 0;
  for (const task of agent.tasks.values()) {
    // Tasks of frameworks without PARTITION_AWARE are LOST (terminal) already.
    if (isTerminal(task.state) || task.state !== TaskState.UNREACHABLE) continue;
    const framework = m.frameworks.get(task.frameworkId);
    if (!framework) continue;
    const status = recordStatus(
      task,
      masterStatus(task, TaskState.GONE, TaskStatus_Reason.AGENT_REMOVED, `agent ${agent.id} was unreachable for longer than ${m.options.agentUnreachableTimeoutSeconds} s: gone`),
    );
    task.decidedByMaster = true;
    task.freed = true;
    m.forwardStatus(framework, task, status);
    gone++;
  }
  agent.tasks.clear();
  agent.executors.clear();
  agent.killOnReturn.clear();
  if (gone > 0) m.log.info({ agent: agent.id, tasks: gone }, 'tasks of the gone agent: TASK_GONE');
}

/** Remembers a removed agent id, bounded as the registry's list is. */
export function rememberRemovedAgent(m: Master, id: string): void {
  m.removedAgentIds.add(id);
  if (m.removedAgentIds.size > REMOVED_IDS_KEPT) {
    const oldest = m.removedAgentIds.values().next().value;
    if (oldest !== undefined) m.removedAgentIds.delete(oldest);
  }
}
