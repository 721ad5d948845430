// The dashboard: what the Mesos dashboard shows (cluster, leader, version,
// agents and tasks by state, the resources table, active and completed tasks
// with sandbox links, the master log), and the charts.

import { Ago, KeyValues, Loading, ResourceTable, Section, Stat } from '../components/bits.js';
import { Chart } from '../components/chart.js';
import { Table } from '../components/table.js';
import { useQuery } from '../data/hooks.js';
import { href } from '../data/route.js';
import type { Quantities } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';
import { TERMINAL_STATES, type ClusterSummary, type Task } from '../data/types.js';
import { allocationSeries, throughputSeries, utilizationSeries } from './charts.js';
import { MasterLog } from './log.js';
import { taskColumns, taskKey } from './task-columns.js';

const TASK_STATS = ['STAGING', 'STARTING', 'RUNNING', 'KILLING', 'FINISHED', 'FAILED', 'KILLED', 'LOST'];
const AGENT_STATS = ['active', 'deactivated', 'draining', 'disconnected', 'unreachable'];
const SHOWN = 10;

/** The newest `n` completed tasks, newest first (the API lists them oldest first). */
async function newestCompleted(store: ClusterStore, n: number): Promise<{ total: number; tasks: Task[] }> {
  const first = await store.api.tasks({ completed: 'only', limit: n });
  if (first.total <= n) return { total: first.total, tasks: [...first.tasks].reverse() };
  const last = await store.api.tasks({ completed: 'only', offset: first.total - n, limit: n });
  return { total: last.total, tasks: [...last.tasks].reverse() };
}

export function Dashboard({ store }: { store: ClusterStore }) {
  const s = store.summary;
  const active = useQuery(store, 'active', () => store.api.tasks({ completed: 'exclude', limit: SHOWN }));
  const completed = useQuery(store, 'completed', () => newestCompleted(store, SHOWN));
  // Names for the framework column, after the tasks themselves (see the tasks page).
  const frameworks = useQuery(store, 'frameworks', () => store.api.frameworks(), active.data !== undefined && completed.data !== undefined);
  const names = new Map([...(frameworks.data?.completedFrameworks ?? []), ...(frameworks.data?.frameworks ?? [])].map((f) => [f.id, f.name]));
  const columns = taskColumns(names);
  return (
    <div class="page" data-testid="dashboard">
      {s ? <SummarySections store={store} s={s} /> : <Loading />}
      <Section title={s ? `Active tasks (${liveTasks(s).toLocaleString('en-US')})` : 'Active tasks'} actions={<a href={href('tasks', { state: 'active' })}>All active tasks →</a>}>
        <Table testId="active-tasks" rows={active.data?.tasks ?? []} columns={columns} rowKey={taskKey} pageSize={SHOWN} empty={active.data ? 'No active tasks.' : 'Loading…'} />
      </Section>
      <Section title="Completed tasks" actions={<a href={href('tasks', { state: 'completed' })}>All completed tasks →</a>}>
        <Table testId="completed-tasks" rows={completed.data?.tasks ?? []} columns={columns} rowKey={taskKey} pageSize={SHOWN} empty={completed.data ? 'No completed tasks.' : 'Loading…'} />
      </Section>
      <Section title="Master log" actions={<a href={href('log')}>Full log →</a>}>
        <MasterLog store={store} limit={15} />
      </Section>
    </div>
  );
}

/** 0.5, 12.3, 1,024: decimals only where they matter. */
function cpusText(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 0 : 1 });
}

function liveTasks(s: ClusterSummary): number {
  return Object.entries(s.tasks.byState).reduce((n, [st, c]) => (TERMINAL_STATES.has(st) ? n : n + c), 0);
}

/** The parts drawn from the summary: cluster, counts, resources, charts. */
function SummarySections({ store, s }: { store: ClusterStore; s: ClusterSummary }) {
  const samples = store.history.samples;
  const row = (pick: 'total' | 'used' | 'offered' | 'idle'): Quantities => Object.fromEntries(s.resources.map((r) => [r.name, r[pick]]));
  return (
    <>
      <div class="grid two">
        <Section title="Cluster">
          <KeyValues
            items={[
              ['Master', <span class="mono" data-testid="master-id">{s.id}</span>],
              ['Leader', <span class="mono" data-testid="leader">{s.httpAddress}</span>],
              ['gRPC', <span class="mono">{s.grpcAddress}</span>],
              ['Version', <span data-testid="version">{s.version}</span>],
              ['Started', <Ago iso={s.startedAt} />],
            ]}
          />
        </Section>
        <Section title="Agents and frameworks">
          <div class="stats">
            {AGENT_STATS.filter((st) => st === 'active' || st === 'unreachable' || (s.agents[st] ?? 0) > 0).map((st) => (
              <Stat label={`${st} agents`} value={s.agents[st] ?? 0} testId={`agents-${st}`} href={href('agents', { state: st })} />
            ))}
            <Stat label="frameworks" value={s.frameworks['active'] ?? s.frameworks.total} testId="frameworks-active" href={href('frameworks')} />
            <Stat label="offers" value={s.offers} testId="offers-count" href={href('offers')} />
          </div>
        </Section>
      </div>
      <Section title="Tasks">
        <div class="stats">
          {TASK_STATS.map((st) => (
            <Stat label={st.toLowerCase()} value={s.tasks.byState[st] ?? 0} testId={`tasks-${st}`} href={href('tasks', { state: st })} />
          ))}
          <Stat label="completed (kept)" value={s.tasks.completed} testId="tasks-completed" href={href('tasks', { state: 'completed' })} />
        </div>
      </Section>
      <Section title="Resources">
        <ResourceTable
          testId="resources"
          rows={[
            ['Total', row('total')],
            ['Allocated', row('used')],
            ['Offered', row('offered')],
            ['Idle', row('idle')],
          ]}
        />
      </Section>
      <div class="grid three">
        <Chart title="Cluster utilization (% allocated)" series={utilizationSeries(samples)} yMax={100} format={(v) => `${v.toFixed(0)}%`} testId="chart-utilization" />
        {store.roles === null ? (
          <figure class="chart">
            <figcaption>Allocation by role</figcaption>
            <div class="chart-empty">This master does not report roles.</div>
          </figure>
        ) : (
          <Chart title="Allocation by role (cpus, offered + used)" series={allocationSeries(samples)} stacked format={cpusText} testId="chart-allocation" />
        )}
        {store.connection.stream ? (
          <Chart title="Task throughput (per 10 s)" series={throughputSeries(store.history.buckets)} format={(v) => v.toFixed(0)} testId="chart-throughput" />
        ) : (
          <figure class="chart">
            <figcaption>Task throughput</figcaption>
            <div class="chart-empty">Needs the master's event stream.</div>
          </figure>
        )}
      </div>
    </>
  );
}
