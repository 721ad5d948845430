// Tasks: search (id or name) and filters (state, framework, agent), paged by
// the master (/api/v1/tasks), so it stays quick at 100,000 tasks. Filters and
// the page live in the URL: a filtered view can be bookmarked or shared.

import { useState } from 'preact/hooks';

import { Section } from '../components/bits.js';
import { Pager } from '../components/pager.js';
import { Table } from '../components/table.js';
import { postJson } from '../data/client.js';
import { useQuery } from '../data/hooks.js';
import { setQuery, type Route } from '../data/route.js';
import type { ClusterStore } from '../data/store.js';
import { TASK_STATES, TERMINAL_STATES, type Task } from '../data/types.js';
import type { TaskQuery } from '../data/api.js';
import { taskColumns, taskKey } from './task-columns.js';

const PAGE = 50;

/** The state filter's value → the API's query: 'active', 'completed', or one state. */
export function stateQuery(state: string | null): Pick<TaskQuery, 'state' | 'completed'> {
  if (!state) return {};
  if (state === 'active') return { completed: 'exclude' };
  if (state === 'completed') return { completed: 'only' };
  return { state };
}

function KillButton({ task, store }: { task: Task; store: ClusterStore }) {
  const [status, setStatus] = useState<string>('');
  if (TERMINAL_STATES.has(task.state)) return null;
  const kill = async (): Promise<void> => {
    if (!confirm(`Kill task ${task.id}?`)) return;
    setStatus('killing…');
    try {
      await postJson('/api/v1/tasks/kill', { taskId: task.id, frameworkId: task.frameworkId });
      setStatus('kill sent');
      store.refreshSoon();
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  return (
    <span>
      <button class="small danger" onClick={() => void kill()} data-testid={`kill-${task.id}`}>
        Kill
      </button>{' '}
      <small>{status}</small>
    </span>
  );
}

export function TasksPage({ store, route }: { store: ClusterStore; route: Route }) {
  const q = route.query;
  const filters: TaskQuery = {
    ...stateQuery(q.get('state')),
    framework: q.get('framework') ?? undefined,
    agent: q.get('agent') ?? undefined,
    q: q.get('q') ?? undefined,
    offset: Number(q.get('offset') ?? 0) || 0,
    limit: PAGE,
  };
  const key = JSON.stringify(filters);
  const tasks = useQuery(store, key, () => store.api.tasks(filters));
  // Framework names and the filter's choices come after the first page of
  // tasks: the master answers one request at a time, and listing frameworks
  // costs it more than a page of tasks does.
  const frameworks = useQuery(store, 'frameworks', () => store.api.frameworks(), tasks.data !== undefined);
  const all = [...(frameworks.data?.frameworks ?? []), ...(frameworks.data?.completedFrameworks ?? [])];
  const names = new Map(all.map((f) => [f.id, f.name]));
  const columns = [...taskColumns(names), { title: '', cell: (t: Task) => <KillButton task={t} store={store} /> }];
  const set = (changes: Record<string, string | undefined>): void => setQuery(route, { ...changes, offset: undefined });
  return (
    <div class="page" data-testid="tasks-page">
      <Section title="Tasks">
        <div class="filters">
          <input
            type="search"
            placeholder="Search id or name"
            value={q.get('q') ?? ''}
            onInput={(e) => set({ q: (e.target as HTMLInputElement).value })}
            aria-label="search tasks"
            data-testid="task-search"
          />
          <select value={q.get('state') ?? ''} onChange={(e) => set({ state: (e.target as HTMLSelectElement).value })} aria-label="state" data-testid="task-state">
            <option value="">all states</option>
            <option value="active">active</option>
            <option value="completed">completed</option>
            {TASK_STATES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
          <select value={q.get('framework') ?? ''} onChange={(e) => set({ framework: (e.target as HTMLSelectElement).value })} aria-label="framework" data-testid="task-framework">
            <option value="">all frameworks</option>
            {all.map((f) => (
              <option value={f.id}>
                {f.name} ({f.id})
              </option>
            ))}
          </select>
          <input
            type="search"
            placeholder="Agent id"
            value={q.get('agent') ?? ''}
            onChange={(e) => set({ agent: (e.target as HTMLInputElement).value.trim() })}
            aria-label="agent id"
            data-testid="task-agent"
          />
        </div>
        {tasks.error ? <p class="error">{tasks.error}</p> : null}
        <Table testId="tasks" rows={tasks.data?.tasks ?? []} columns={columns} rowKey={taskKey} pageSize={PAGE} empty={tasks.data ? 'No task matches.' : 'Loading…'} />
        {tasks.data ? <Pager total={tasks.data.total} offset={filters.offset ?? 0} limit={PAGE} onOffset={(o) => setQuery(route, { offset: o ? String(o) : undefined })} /> : null}
      </Section>
    </div>
  );
}
