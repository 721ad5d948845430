// What a master takes over from the registry when it starts leading (after a
// restart or a failover), beyond the agents (agents.ts recoverAgents):
//
// - Frameworks: each known framework has its failover timeout to re-subscribe
//   to this master. One that was disconnected when the registry was written
//   keeps the deadline it had (the registry holds it as a wall-clock time,
//   the only clock two masters share); one that was connected gets its whole
//   timeout from now, as it just lost its master. A framework still away at
//   its deadline is removed: its tasks are killed on the agents that report
//   them, and it may never come back (Mesos' failover_timeout semantics;
//   Mesos itself forgets the deadline across a master failover, MESOS-4659,
//   leaving such tasks orphaned forever).
//   The timers themselves run on the monotonic clock.
// - Weights and quotas the operators set, given back to the allocator; agents
//   the operators drained or deactivated stay so.
//
// While a framework is disconnected its deadline is written to the registry
// (failover deadlines survive the master), and cleared when it re-subscribes.

import { teardown } from './frameworks.js';
import type { Master } from './master.js';
import { isConnected, type FrameworkRecord } from './model.js';
import { operatorContext } from './operator/context.js';
import { rememberRecoveredRoles } from './operator/roles.js';
import type { RegistryState } from './registry/registry.js';

/** Longest timer Node keeps (2^31 - 1 ms, ~24.8 days); longer deadlines are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

export function recoverRoleSettings(m: Master, recovered: RegistryState): void {
  if (Object.keys(recovered.weights).length > 0) {
    try {
      m.allocator.setWeights(recovered.weights);
    } catch (err) {
      m.log.error({ err, weights: recovered.weights }, 'registry: could not restore role weights');
    }
  }
  for (const [role, quota] of Object.entries(recovered.quotas)) {
    try {
      m.allocator.setQuota(role, quota);
    } catch (err) {
      m.log.error({ err, role, quota }, 'registry: could not restore a role quota');
    }
  }
  rememberRecoveredRoles(m, recovered.weights, Object.keys(recovered.quotas)); // listed by GET /api/v1/roles
}

/** The operator's drain and deactivation decisions, applied as their agents re-register (operator/agent-modes.ts). */
export function recoverAgentModes(m: Master, recovered: RegistryState): void {
  operatorContext(m).modes.restore(recovered.agentModes);
}

/** Arms each registered framework's failover deadline (see the top of the file). */
export function recoverFrameworks(m: Master, recovered: RegistryState): void {
  const now = Date.now();
  for (const info of recovered.frameworks) {
    if (m.removedFrameworkIds.has(info.id)) continue;
    const recorded = recovered.failoverDeadlines[info.id];
    if (recorded !== undefined) m.failoverDeadlines.add(info.id);
    const timeoutMs = Number.isFinite(info.failoverTimeout) && info.failoverTimeout > 0 ? info.failoverTimeout * 1000 : 0;
    // Connected when the master went: losing the master is not the scheduler's
    // failure, so it has at least the agents' re-registration window (a
    // failover_timeout of 0 would otherwise remove it before it could return).
    const remainingMs =
      recorded !== undefined
        ? // Never longer than the timeout itself: a wall clock stepped back must not stretch it.
          Math.min(Math.max(0, Date.parse(recorded) - now), timeoutMs)
        : Math.max(timeoutMs, m.options.agentReregisterTimeoutSeconds * 1000);
    armRecoveryDeadline(m, info.id, remainingMs);
  }
}

function armRecoveryDeadline(m: Master, id: string, remainingMs: number): void {
  const started = performance.now();
  const timer = setTimeout(() => {
    m.recoveryDeadlines.delete(id);
    const left = remainingMs - (performance.now() - started);
    if (left > 1) return armRecoveryDeadline(m, id, left);
    m.guarded('recovered framework failover deadline', () => expire(m, id));
  }, Math.min(remainingMs, MAX_TIMER_MS));
  timer.unref?.();
  m.recoveryDeadlines.set(id, timer);
}

function expire(m: Master, id: string): void {
  const framework: FrameworkRecord | undefined = m.frameworks.get(id);
  // Re-subscribed since (to this master): its own failover timer governs it now.
  if (framework && (!framework.recovered || isConnected(framework))) return;
  const reason = `framework ${id} did not re-subscribe within its failover timeout after the master failed over`;
  m.log.warn({ framework: id }, reason);
  if (framework) {
    void teardown(m, framework, reason);
    return;
  }
  if (!m.registeredFrameworks.has(id)) return;
  // Known only from the registry (no agent reported a task of it): forget it.
  m.registry.removeFramework(id).then(
    () => {
      m.registeredFrameworks.delete(id);
      m.removedFrameworkIds.add(id);
      m.failoverDeadlines.delete(id);
    },
    (err: unknown) => m.log.error({ err, framework: id }, 'registry: could not remove a framework past its failover timeout'),
  );
}

/** A framework's stream ended: its failover deadline goes to the registry, so a new leader keeps it. */
export function recordFailoverDeadline(m: Master, framework: FrameworkRecord, seconds: number): void {
  m.failoverDeadlines.add(framework.id);
  m.registry.setFailoverDeadline(framework.id, new Date(Date.now() + seconds * 1000)).catch((err: unknown) => {
    m.log.error({ err, framework: framework.id }, 'registry: could not record the failover deadline');
  });
}

/** A framework (re-)subscribed: no deadline any more. Written only when one was recorded. */
export function clearFailoverDeadline(m: Master, id: string): void {
  const timer = m.recoveryDeadlines.get(id);
  if (timer) clearTimeout(timer);
  m.recoveryDeadlines.delete(id);
  if (!m.failoverDeadlines.delete(id)) return;
  m.registry.setFailoverDeadline(id, null).catch((err: unknown) => {
    m.log.error({ err, framework: id }, 'registry: could not clear the failover deadline');
  });
}
