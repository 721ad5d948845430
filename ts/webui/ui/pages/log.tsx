// The master's log: the tail the master keeps (/api/v1/logs), refreshed live,
// filterable by level, and downloadable as the raw JSON lines.

import { Section } from '../components/bits.js';
import { useQuery } from '../data/hooks.js';
import { setQuery, type Route } from '../data/route.js';
import type { ClusterStore } from '../data/store.js';
import type { LogLine } from '../data/types.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

function fields(line: LogLine): string {
  return Object.entries(line)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function MasterLog({ store, limit, level }: { store: ClusterStore; limit: number; level?: string }) {
  const logs = useQuery(store, `logs:${limit}:${level ?? ''}`, async () => {
    const lines = await store.api.logs(limit);
    if (!lines || !level) return lines;
    const min = LEVELS.indexOf(level);
    return lines.filter((l) => LEVELS.indexOf(l.level) >= min);
  });
  if (logs.error) return <p class="error">{logs.error}</p>;
  if (logs.data === undefined) return <p class="muted">Loading…</p>;
  if (logs.data === null) return <p class="muted">This master keeps no log to show.</p>;
  return (
    <pre class="log" data-testid="master-log">
      {logs.data.length === 0
        ? 'No lines yet.'
        : logs.data.map((l) => (
            <div class={`log-line level-${l.level}`}>
              <span class="log-time">{String(l.time).replace(/^.*T|Z$/g, '')}</span> <span class="log-level">{l.level.toUpperCase()}</span>{' '}
              {l['component'] ? <span class="log-component">[{String(l['component'])}] </span> : null}
              {l.msg} <span class="log-fields">{fields(l)}</span>
            </div>
          ))}
    </pre>
  );
}

export function LogPage({ store, route }: { store: ClusterStore; route: Route }) {
  const level = route.query.get('level') ?? 'info';
  return (
    <div class="page" data-testid="log-page">
      <Section
        title="Master log"
        actions={
          <div class="actions">
            <select value={level} onChange={(e) => setQuery(route, { level: (e.target as HTMLSelectElement).value })} aria-label="minimum level">
              {LEVELS.map((l) => (
                <option value={l}>{l} and above</option>
              ))}
            </select>
            <a class="button" href="/api/v1/logs?format=text&limit=2000" download="tessera-master.log">
              Download
            </a>
          </div>
        }
      >
        <MasterLog store={store} limit={2000} level={level} />
      </Section>
    </div>
  );
}
