// An agent's live containers and what they use (the agent's /containers,
// through the master's proxy): CPU time and, between two readings, CPU in
// use; memory now, its peak and its limit; processes. Usage comes from
// cgroups (native) or the Docker Engine; posix containers measure none.

import { useRef } from 'preact/hooks';

import { Table } from '../components/table.js';
import { getJson } from '../data/client.js';
import { useQuery } from '../data/hooks.js';
import { href } from '../data/route.js';
import { formatAmount } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';
import { shortId } from './task-columns.js';

export interface ContainerUsage {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  memoryBytes: number;
  memoryPeakBytes?: number;
  cpusLimit?: number;
  memoryLimitBytes?: number;
  processes?: number;
}

export interface ContainerEntry {
  frameworkId: string;
  executorId: string;
  taskId?: string;
  containerId: string;
  pid: number;
  usage: ContainerUsage | null;
}

const MiB = 1024 * 1024;

export function Containers({ store, agentId }: { store: ClusterStore; agentId: string }) {
  const containers = useQuery(store, `containers:${agentId}`, () => getJson<ContainerEntry[]>(`/agents/${encodeURIComponent(agentId)}/containers`));
  // The previous reading per container, for CPU in use (cores) between two readings.
  const previous = useRef(new Map<string, { at: number; cpu: number; cores?: number }>());
  const now = Date.now();
  for (const c of containers.data ?? []) {
    if (!c.usage) continue;
    const cpu = c.usage.cpuUserSeconds + c.usage.cpuSystemSeconds;
    const before = previous.current.get(c.containerId);
    if (!before) previous.current.set(c.containerId, { at: now, cpu });
    else if (cpu !== before.cpu && now > before.at) previous.current.set(c.containerId, { at: now, cpu, cores: (cpu - before.cpu) / ((now - before.at) / 1000) });
  }
  if (containers.error) return <p class="error">{containers.error}</p>;
  return (
    <Table
      testId="containers"
      rows={containers.data ?? []}
      rowKey={(c) => c.containerId}
      empty={containers.data ? 'No live containers.' : 'Loading…'}
      columns={[
        {
          title: 'Task / executor',
          cell: (c) => (c.taskId ? <a href={href('sandbox', { agent: agentId, framework: c.frameworkId, task: c.taskId })}>{c.taskId}</a> : <span>executor {c.executorId}</span>),
          sort: (c) => c.taskId ?? c.executorId,
        },
        { title: 'Container', cell: (c) => <span class="mono" title={c.containerId}>{shortId(c.containerId)}</span> },
        { title: 'PID', cell: (c) => c.pid, className: 'num' },
        {
          title: 'CPU in use',
          cell: (c) => {
            const cores = previous.current.get(c.containerId)?.cores;
            if (!c.usage) return '—';
            const limit = c.usage.cpusLimit !== undefined ? ` / ${c.usage.cpusLimit}` : '';
            return cores === undefined ? `…${limit}` : `${cores.toFixed(2)}${limit}`;
          },
          className: 'num',
        },
        { title: 'CPU time', cell: (c) => (c.usage ? `${(c.usage.cpuUserSeconds + c.usage.cpuSystemSeconds).toFixed(2)} s` : '—'), className: 'num' },
        {
          title: 'Memory',
          cell: (c) => (c.usage ? `${formatAmount('mem', c.usage.memoryBytes / MiB)}${c.usage.memoryLimitBytes ? ` / ${formatAmount('mem', c.usage.memoryLimitBytes / MiB)}` : ''}` : '—'),
          sort: (c) => c.usage?.memoryBytes ?? -1,
          className: 'num',
        },
        { title: 'Peak', cell: (c) => (c.usage?.memoryPeakBytes !== undefined ? formatAmount('mem', c.usage.memoryPeakBytes / MiB) : '—'), className: 'num' },
        { title: 'Processes', cell: (c) => c.usage?.processes ?? '—', className: 'num' },
      ]}
    />
  );
}
