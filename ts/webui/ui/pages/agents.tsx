// Agents: the list (search by id or hostname, filter by state, paged by the
// master) and one agent's page: its resources, attributes and tasks, and the
// operator's drain / deactivate / reactivate.

import { useState } from 'preact/hooks';

import { Ago, KeyValues, ResourceTable, Section, StateBadge } from '../components/bits.js';
import { Pager } from '../components/pager.js';
import { Table } from '../components/table.js';
import { postJson } from '../data/client.js';
import { useQuery } from '../data/hooks.js';
import { href, setQuery, type Route } from '../data/route.js';
import { formatAmount, minus, quantities } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';
import type { AgentRow } from '../data/types.js';
import { Containers } from './containers.js';
import { taskColumns, taskKey } from './task-columns.js';

const PAGE = 50;
const STATES = ['active', 'deactivated', 'draining', 'drained', 'disconnected', 'unreachable'];

function usedOf(a: AgentRow, kind: string): string {
  const total = quantities(a.total)[kind];
  if (total === undefined) return '—';
  return `${formatAmount(kind, quantities(a.used)[kind] ?? 0)} / ${formatAmount(kind, total)}`;
}

export function AgentsPage({ store, route }: { store: ClusterStore; route: Route }) {
  return route.rest[0] ? <AgentPage store={store} id={route.rest[0]} /> : <AgentList store={store} route={route} />;
}

function AgentList({ store, route }: { store: ClusterStore; route: Route }) {
  const q = route.query;
  const query = { state: q.get('state') ?? undefined, q: q.get('q') ?? undefined, offset: Number(q.get('offset') ?? 0) || 0, limit: PAGE };
  const agents = useQuery(store, JSON.stringify(query), () => store.api.agents(query));
  const set = (changes: Record<string, string | undefined>): void => setQuery(route, { ...changes, offset: undefined });
  return (
    <div class="page" data-testid="agents-page">
      <Section title="Agents">
        <div class="filters">
          <input type="search" placeholder="Search id or hostname" value={q.get('q') ?? ''} onInput={(e) => set({ q: (e.target as HTMLInputElement).value })} aria-label="search agents" />
          <select value={q.get('state') ?? ''} onChange={(e) => set({ state: (e.target as HTMLSelectElement).value })} aria-label="state">
            <option value="">all states</option>
            {STATES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </div>
        {agents.error ? <p class="error">{agents.error}</p> : null}
        <Table
          testId="agents"
          rows={agents.data?.agents ?? []}
          rowKey={(a) => a.id}
          pageSize={PAGE}
          empty={agents.data ? 'No agent matches.' : 'Loading…'}
          columns={[
            { title: 'Hostname', cell: (a) => <a href={href('agents', a.id)}>{a.hostname}</a> },
            { title: 'ID', cell: (a) => <span class="mono">{a.id}</span> },
            { title: 'State', cell: (a) => <StateBadge state={a.category ?? a.state} /> },
            { title: 'Tasks', cell: (a) => a.taskCount ?? '—', className: 'num' },
            { title: 'CPUs', cell: (a) => usedOf(a, 'cpus'), className: 'num' },
            { title: 'Mem', cell: (a) => usedOf(a, 'mem'), className: 'num' },
            { title: 'Disk', cell: (a) => usedOf(a, 'disk'), className: 'num' },
            { title: 'Registered', cell: (a) => <Ago iso={a.registeredAt} /> },
          ]}
        />
        {agents.data ? <Pager total={agents.data.total} offset={query.offset} limit={PAGE} onOffset={(o) => setQuery(route, { offset: o ? String(o) : undefined })} /> : null}
      </Section>
    </div>
  );
}

function AgentActions({ store, agent }: { store: ClusterStore; agent: AgentRow }) {
  const [status, setStatus] = useState('');
  const call = async (what: 'drain' | 'deactivate' | 'reactivate'): Promise<void> => {
    if (what !== 'reactivate' && !confirm(`${what} agent ${agent.hostname}?`)) return;
    try {
      const answer = await postJson<{ operatorState?: string }>(`/api/v1/agents/${what}`, { agentId: agent.id });
      setStatus(`now ${answer.operatorState ?? 'changed'}`);
      store.refreshSoon();
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  if (agent.operatorState === undefined) return null; // the master has no operator modes
  return (
    <div class="actions">
      {agent.operatorState === 'active' ? (
        <>
          <button onClick={() => void call('deactivate')}>Deactivate</button>
          <button class="danger" onClick={() => void call('drain')}>
            Drain
          </button>
        </>
      ) : (
        <button onClick={() => void call('reactivate')}>Reactivate</button>
      )}
      <small>{status}</small>
    </div>
  );
}

function AgentPage({ store, id }: { store: ClusterStore; id: string }) {
  const agent = useQuery(store, `agent:${id}`, async () => (await store.api.agents({ q: id })).agents.find((a) => a.id === id) ?? null);
  const [offset, setOffset] = useState(0);
  const tasks = useQuery(store, `agent-tasks:${id}:${offset}`, () => store.api.tasks({ agent: id, offset, limit: PAGE }));
  const frameworks = useQuery(store, 'frameworks', () => store.api.frameworks(), tasks.data !== undefined);
  const names = new Map([...(frameworks.data?.completedFrameworks ?? []), ...(frameworks.data?.frameworks ?? [])].map((f) => [f.id, f.name]));
  if (agent.data === undefined) return <p class="muted">Loading…</p>;
  const a = agent.data;
  if (!a) return <p class="error">No agent {id}.</p>;
  const total = quantities(a.total);
  const used = quantities(a.used);
  const offered = quantities(a.offered);
  return (
    <div class="page" data-testid="agent-page">
      <div class="grid two">
        <Section title={`Agent ${a.hostname}`} actions={<AgentActions store={store} agent={a} />}>
          <KeyValues
            items={[
              ['ID', <span class="mono">{a.id}</span>],
              ['Address', <span class="mono">{a.address}</span>],
              ['State', <StateBadge state={a.category ?? a.state} />],
              ['Operator state', a.operatorState ?? '—'],
              ['Registered', <Ago iso={a.registeredAt} />],
            ]}
          />
        </Section>
        <Section title="Attributes">
          {a.attributes.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <KeyValues items={a.attributes.map((at) => [at.name, <span data-testid={`attr-${at.name}`}>{at.text ?? String(at.scalar)}</span>])} />
          )}
        </Section>
      </div>
      <Section title="Resources">
        <ResourceTable
          testId="agent-resources"
          rows={[
            ['Total', total],
            ['Allocated', used],
            ['Offered', offered],
            ['Idle', minus(minus(total, used), offered)],
          ]}
        />
      </Section>
      <Section title="Containers">
        <Containers store={store} agentId={a.id} />
      </Section>
      <Section title="Tasks">
        <Table testId="agent-tasks" rows={tasks.data?.tasks ?? []} columns={taskColumns(names)} rowKey={taskKey} pageSize={PAGE} empty={tasks.data ? 'No tasks.' : 'Loading…'} />
        {tasks.data ? <Pager total={tasks.data.total} offset={offset} limit={PAGE} onOffset={setOffset} /> : null}
      </Section>
    </div>
  );
}
