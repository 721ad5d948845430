// The master's Prometheus metrics (prom-client), one registry per master so
// several masters in one process (tests, `tessera dev`) do not mix. Gauges
// are read from the master's state when scraped (nothing to keep in step);
// counters and histograms are fed by Master.events from the start.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { Master } from '../master.js';
import { isConnected } from '../model.js';
import type { AgentModes } from '../operator/agent-modes.js';
import { AGENT_CATEGORIES, TASK_STATE_NAMES, agentCounts, resourceTotals, tasksByState } from '../operator/summary.js';
import { isTerminal, stateName } from '../tasks.js';
import { TaskStatus_Source, type TaskStatus } from '@tessera/common';

// Allocation cycles take from microseconds (a few agents) to about a second (tens of thousands).
const CYCLE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WRITE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class MasterMetrics {
  readonly registry = new Registry();
  readonly #leading: Gauge;
  readonly #elections: Counter;

  constructor(m: Master, modes: AgentModes) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'tessera_master_agents',
      help: 'Agents by state: unreachable, disconnected, drained, draining, deactivated (by the operator), else active',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = agentCounts(m, modes);
        for (const state of AGENT_CATEGORIES) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'tessera_master_frameworks',
      help: 'Frameworks known to the master: active (subscribed and connected) or inactive',
      labelNames: ['state'],
      registers,
      collect() {
        let connected = 0;
        for (const f of m.frameworks.values()) if (isConnected(f)) connected++;
        this.set({ state: 'active' }, connected);
        this.set({ state: 'inactive' }, m.frameworks.size - connected);
      },
    });
    new Gauge({
      name: 'tessera_master_frameworks_connected',
      help: 'Frameworks with a live subscription',
      registers,
      collect() {
        let connected = 0;
        for (const f of m.frameworks.values()) if (isConnected(f)) connected++;
        this.set(connected);
      },
    });
    new Gauge({
      name: 'tessera_master_frameworks_completed',
      help: 'Torn-down frameworks the master keeps',
      registers,
      collect() {
        this.set(m.completedFrameworks.length);
      },
    });
    new Gauge({
      name: 'tessera_master_tasks',
      help: 'Live tasks (and ended ones whose last update is not yet acknowledged) by state',
      labelNames: ['state'],
      registers,
      collect() {
        const { byState } = tasksByState(m);
        for (const state of TASK_STATE_NAMES) this.set({ state }, byState[state] ?? 0);
      },
    });
    new Gauge({
      name: 'tessera_master_resources',
      help: 'Resources of reachable agents: total, used (tasks and executors), offered, idle; ranges (ports) count values',
      labelNames: ['resource', 'kind'],
      registers,
      collect() {
        this.reset(); // a resource no agent has any more must not linger at its last value
        for (const r of resourceTotals(m)) {
          this.set({ resource: r.name, kind: 'total' }, r.total);
          this.set({ resource: r.name, kind: 'used' }, r.used);
          this.set({ resource: r.name, kind: 'offered' }, r.offered);
          this.set({ resource: r.name, kind: 'idle' }, r.idle);
        }
      },
    });
    new Gauge({
      name: 'tessera_master_offers_outstanding',
      help: 'Offers made and not yet accepted, declined or rescinded',
      registers,
      collect() {
        let n = 0;
        for (const _ of m.offers.all()) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'tessera_master_uptime_seconds',
      help: 'Seconds since this master started',
      registers,
      collect() {
        this.set((Date.now() - m.startedAt.getTime()) / 1000);
      },
    });

    // Offer events come by the ten thousand per allocation cycle: each is a
    // plain increment here (a labelled prom-client inc costs ~120 ns, ~2.5 ms
    // per 10,000-offer cycle), handed to the counter when it is scraped.
    const offerCounts: Record<string, number> = { made: 0, accepted: 0, declined: 0, rescinded: 0, timed_out: 0 };
    m.events.on('offer', (e) => void (offerCounts[e.kind === 'timed out' ? 'timed_out' : e.kind]! += 1));
    new Counter({
      name: 'tessera_master_offers_total',
      help: 'Offers by event: made, accepted, declined, rescinded, timed_out',
      labelNames: ['event'],
      registers,
      collect() {
        this.reset();
        for (const [event, n] of Object.entries(offerCounts)) this.inc({ event }, n);
      },
    });

    const cycles = new Histogram({ name: 'tessera_master_allocation_cycle_seconds', help: 'One allocation cycle: allocate() and sending its offers', buckets: CYCLE_BUCKETS, registers });
    m.events.on('allocation', (e) => cycles.observe(e.seconds));

    const lag = new Histogram({
      name: 'tessera_master_status_update_lag_seconds',
      help: "From an agent's status timestamp to the master forwarding it to the framework",
      buckets: LAG_BUCKETS,
      registers,
    });
    const updates = new Counter({ name: 'tessera_master_status_updates_total', help: 'Task statuses the master took in, by source: agent or master', labelNames: ['source'], registers });
    const terminal = new Counter({ name: 'tessera_master_task_terminal_total', help: 'Tasks that reached a terminal state, by state', labelNames: ['state'], registers });
    // A resent update (the agent missed the acknowledgement) is forwarded again as the same object: count it once.
    const seen = new WeakSet<TaskStatus>();
    m.events.on('task', (e) => {
      if (e.kind !== 'updated' || !e.status || seen.has(e.status)) return;
      seen.add(e.status);
      const fromMaster = e.status.source === TaskStatus_Source.MASTER;
      updates.inc({ source: fromMaster ? 'master' : 'agent' });
      if (!fromMaster && e.status.timestamp > 0) lag.observe(Math.max(0, Date.now() / 1000 - e.status.timestamp));
      if (isTerminal(e.status.state)) terminal.inc({ state: stateName(e.status.state) });
    });

    const writes = new Histogram({ name: 'tessera_master_registry_write_seconds', help: 'One registry write, until durable', labelNames: ['op'], buckets: WRITE_BUCKETS, registers });
    const writeFailures = new Counter({ name: 'tessera_master_registry_write_failures_total', help: 'Registry writes that failed', labelNames: ['op'], registers });
    m.events.on('registryWrite', (e) => {
      writes.observe({ op: e.op }, e.seconds);
      if (!e.ok) writeFailures.inc({ op: e.op });
    });

    this.#leading = new Gauge({ name: 'tessera_master_leading', help: '1 while this master is the leader', registers });
    this.#leading.set(1); // a standalone master leads; HA sets it as elections go
    this.#elections = new Counter({ name: 'tessera_master_elections_total', help: 'Times this master was elected leader', registers });
  }

  setLeading(leading: boolean): void {
    this.#leading.set(leading ? 1 : 0);
  }

  countElection(): void {
    this.#elections.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  snapshot(): Promise<unknown> {
    return this.registry.getMetricsAsJSON();
  }
}
