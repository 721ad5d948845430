// Frameworks: active and completed ones, and one framework's page with its
// tasks.

import { useState } from 'preact/hooks';

import { Ago, KeyValues, ResourceTable, Section, StateBadge } from '../components/bits.js';
import { Pager } from '../components/pager.js';
import { Table, type Column } from '../components/table.js';
import { postJson } from '../data/client.js';
import { useQuery } from '../data/hooks.js';
import { href, type Route } from '../data/route.js';
import { formatResources, quantities } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';
import type { Framework } from '../data/types.js';
import { taskColumns, taskKey } from './task-columns.js';

const columns: Array<Column<Framework>> = [
  { title: 'Name', cell: (f) => <a href={href('frameworks', f.id)}>{f.name}</a>, sort: (f) => f.name },
  { title: 'ID', cell: (f) => <span class="mono">{f.id}</span>, sort: (f) => f.id },
  { title: 'State', cell: (f) => <StateBadge state={f.connected ? 'connected' : 'disconnected'} /> },
  { title: 'Roles', cell: (f) => f.roles.join(', '), sort: (f) => f.roles.join(',') },
  { title: 'User', cell: (f) => f.user, sort: (f) => f.user },
  { title: 'Tasks', cell: (f) => f.taskCount, sort: (f) => f.taskCount, className: 'num' },
  { title: 'Allocated', cell: (f) => <span class="small">{formatResources(f.used)}</span>, sort: (f) => quantities(f.used)['cpus'] ?? 0 },
  { title: 'Offered', cell: (f) => <span class="small">{formatResources(f.offered)}</span>, sort: (f) => quantities(f.offered)['cpus'] ?? 0 },
  { title: 'Registered', cell: (f) => <Ago iso={f.registeredAt} />, sort: (f) => f.registeredAt },
];

export function FrameworksPage({ store, route }: { store: ClusterStore; route: Route }) {
  const frameworks = useQuery(store, 'frameworks', () => store.api.frameworks());
  if (route.rest[0]) return <FrameworkPage store={store} id={route.rest[0]} frameworks={frameworks.data} />;
  return (
    <div class="page" data-testid="frameworks-page">
      {frameworks.error ? <p class="error">{frameworks.error}</p> : null}
      <Section title="Active frameworks">
        <Table testId="frameworks" rows={frameworks.data?.frameworks ?? []} columns={columns} rowKey={(f) => f.id} empty={frameworks.data ? 'No frameworks.' : 'Loading…'} />
      </Section>
      <Section title="Completed frameworks">
        <Table testId="completed-frameworks" rows={frameworks.data?.completedFrameworks ?? []} columns={columns} rowKey={(f) => f.id} empty="None." />
      </Section>
    </div>
  );
}

function FrameworkPage({ store, id, frameworks }: { store: ClusterStore; id: string; frameworks?: { frameworks: Framework[]; completedFrameworks: Framework[] } }) {
  const [offset, setOffset] = useState(0);
  const tasks = useQuery(store, `fw-tasks:${id}:${offset}`, () => store.api.tasks({ framework: id, offset, limit: 50 }));
  if (!frameworks) return <p class="muted">Loading…</p>;
  const f = [...frameworks.frameworks, ...frameworks.completedFrameworks].find((x) => x.id === id);
  if (!f) return <p class="error">No framework {id}.</p>;
  const completed = frameworks.completedFrameworks.some((x) => x.id === id);
  return (
    <div class="page" data-testid="framework-page">
      <div class="grid two">
        <Section title={`Framework ${f.name}`} actions={completed ? <span class="muted small">completed</span> : <Teardown store={store} framework={f} />}>
          <KeyValues
            items={[
              ['ID', <span class="mono">{f.id}</span>],
              ['User', f.user],
              ['Principal', f.principal || '—'],
              ['Roles', f.roles.join(', ')],
              ['Capabilities', f.capabilities.join(', ') || '—'],
              ['Connected', f.connected ? 'yes' : 'no'],
              ['Failover timeout', `${f.failoverTimeoutSeconds} s`],
              ['Registered', <Ago iso={f.registeredAt} />],
            ]}
          />
        </Section>
        <Section title="Resources">
          <ResourceTable
            relative={false}
            rows={[
              ['Allocated', quantities(f.used)],
              ['Offered', quantities(f.offered)],
            ]}
          />
        </Section>
      </div>
      <Section title="Tasks">
        <Table testId="framework-tasks" rows={tasks.data?.tasks ?? []} columns={taskColumns(new Map([[f.id, f.name]]))} rowKey={taskKey} pageSize={50} empty={tasks.data ? 'No tasks.' : 'Loading…'} />
        {tasks.data ? <Pager total={tasks.data.total} offset={offset} limit={50} onOffset={setOffset} /> : null}
      </Section>
    </div>
  );
}

/** Tears the framework down (as its failover timeout would): its tasks are killed and its id refused from then on. */
function Teardown({ store, framework }: { store: ClusterStore; framework: Framework }) {
  const [status, setStatus] = useState('');
  const teardown = async (): Promise<void> => {
    if (!confirm(`Tear down framework ${framework.name} (${framework.id})? Its tasks are killed and it cannot subscribe again.`)) return;
    try {
      await postJson('/api/v1/frameworks/teardown', { frameworkId: framework.id });
      setStatus('torn down');
      store.refreshSoon(0);
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  return (
    <div class="actions">
      <button class="danger" onClick={() => void teardown()} data-testid="teardown">
        Tear down
      </button>
      <small>{status}</small>
    </div>
  );
}
