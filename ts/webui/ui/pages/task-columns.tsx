// Task table columns shared by the dashboard, the tasks page and the detail pages.

import { Ago, StateBadge } from '../components/bits.js';
import type { Column } from '../components/table.js';
import { href } from '../data/route.js';
import { formatResources } from '../data/resources.js';
import type { Task } from '../data/types.js';

export function sandboxHref(t: Task): string {
  return href('sandbox', { agent: t.agentId, framework: t.frameworkId, task: t.id });
}

export function taskKey(t: Task): string {
  return `${t.frameworkId}/${t.id}`;
}

/** The first block of a UUID-like id: enough to tell agents apart on a page (the full id is the link's title). */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
}

function lastUpdate(t: Task): string | undefined {
  return t.statuses?.[t.statuses.length - 1]?.timestamp;
}

/** `frameworkNames` turns framework ids into names where known. */
export function taskColumns(frameworkNames: Map<string, string> = new Map()): Array<Column<Task>> {
  return [
    { title: 'ID', cell: (t) => <span class="mono">{t.id}</span> },
    { title: 'Name', cell: (t) => t.name },
    { title: 'State', cell: (t) => <StateBadge state={t.state} /> },
    { title: 'Framework', cell: (t) => <a href={href('frameworks', t.frameworkId)} title={t.frameworkId}>{frameworkNames.get(t.frameworkId) ?? shortId(t.frameworkId)}</a> },
    { title: 'Agent', cell: (t) => <a class="mono" href={href('agents', t.agentId)} title={t.agentId}>{shortId(t.agentId)}</a> },
    { title: 'Role', cell: (t) => t.role },
    { title: 'Resources', cell: (t) => <span class="small">{formatResources(t.resources)}</span> },
    { title: 'Updated', cell: (t) => <Ago iso={lastUpdate(t)} /> },
    { title: '', cell: (t) => <a href={sandboxHref(t)}>Sandbox</a> },
  ];
}
