// The shell: header (cluster, connection), navigation, and the page the hash names.

import type { ComponentChildren } from 'preact';

import { useStore } from './data/hooks.js';
import { href, useRoute } from './data/route.js';
import type { ClusterStore } from './data/store.js';
import { AgentsPage } from './pages/agents.js';
import { Dashboard } from './pages/dashboard.js';
import { FrameworksPage } from './pages/frameworks.js';
import { LogPage } from './pages/log.js';
import { OffersPage } from './pages/offers.js';
import { RolesPage } from './pages/roles.js';
import { SandboxPage } from './pages/sandbox.js';
import { TasksPage } from './pages/tasks.js';

const NAV: Array<[string, string]> = [
  ['dashboard', 'Dashboard'],
  ['frameworks', 'Frameworks'],
  ['agents', 'Agents'],
  ['roles', 'Roles'],
  ['offers', 'Offers'],
  ['tasks', 'Tasks'],
  ['log', 'Log'],
];

function ConnectionBadge({ store }: { store: ClusterStore }) {
  const c = store.connection;
  const label =
    c.kind === 'live' ? (c.stream ? 'live' : 'polling') : c.kind === 'connecting' ? 'connecting…' : c.kind === 'redirecting' ? 'following leader…' : 'reconnecting…';
  return (
    <span class={`conn conn-${c.kind}${c.stream ? ' conn-stream' : ''}`} title={c.detail ?? (c.updatedAt ? `updated ${new Date(c.updatedAt).toLocaleTimeString()}` : '')} data-testid="connection">
      <i />
      {label}
    </span>
  );
}

export function App({ store }: { store: ClusterStore }) {
  useStore(store);
  const route = useRoute();
  const s = store.summary;
  // Pages fetch their own data from the first frame; only the dashboard waits
  // for the summary (and shows its tables meanwhile), so the summary's round
  // trip is not in front of every page's.
  let page: ComponentChildren;
  if (!s && store.connection.detail) page = <p class="error">Cannot reach the master: {store.connection.detail}</p>;
  else if (route.page === 'frameworks') page = <FrameworksPage store={store} route={route} />;
  else if (route.page === 'agents') page = <AgentsPage store={store} route={route} />;
  else if (route.page === 'roles') page = <RolesPage store={store} />;
  else if (route.page === 'offers') page = <OffersPage store={store} />;
  else if (route.page === 'tasks') page = <TasksPage store={store} route={route} />;
  else if (route.page === 'sandbox') page = <SandboxPage route={route} />;
  else if (route.page === 'log') page = <LogPage store={store} route={route} />;
  else page = <Dashboard store={store} />;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <rect x="2" y="2" width="9" height="9" rx="2" fill="#4f7cff" />
            <rect x="13" y="2" width="9" height="9" rx="2" fill="#2bb673" />
            <rect x="2" y="13" width="9" height="9" rx="2" fill="#f5a524" />
            <rect x="13" y="13" width="9" height="9" rx="2" fill="#9b6bff" />
          </svg>
          Tessera
        </a>
        <nav>
          {NAV.map(([id, title]) => (
            <a href={href(id)} class={route.page === id || (id === 'dashboard' && !NAV.some(([n]) => n === route.page)) ? 'active' : ''}>
              {title}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        {s ? (
          <span class="muted small mono" title="master id · version">
            {s.httpAddress} · v{s.version}
          </span>
        ) : null}
        <ConnectionBadge store={store} />
      </header>
      {store.connection.kind === 'reconnecting' && s ? <div class="banner">Lost the master ({store.connection.detail}); showing the last state, retrying…</div> : null}
      <main>{page}</main>
    </>
  );
}
