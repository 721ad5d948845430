// A task's sandbox: its files (through the master's proxy to the agent,
// /agents/<id>/files/…, since the agent sends no CORS headers) and a live
// tail of one of them — stdout unless another is picked.

import { useEffect, useRef, useState } from 'preact/hooks';

import { Section } from '../components/bits.js';
import { getJson } from '../data/client.js';
import { href, setQuery, type Route } from '../data/route.js';
import type { FileChunk, SandboxEntry } from '../data/types.js';

/** How much of a file the tail shows at first, and keeps at most. */
const TAIL_START_BYTES = 64 * 1024;
const TAIL_KEEP_CHARS = 512 * 1024;
const TAIL_POLL_MS = 1000;

interface Target {
  agent: string;
  framework: string;
  task: string;
}

function filesUrl(t: Target, op: 'browse' | 'read' | 'download', params: Record<string, string | number>): string {
  const q = new URLSearchParams({ framework_id: t.framework, task_id: t.task });
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return `/agents/${encodeURIComponent(t.agent)}/files/${op}?${q}`;
}

const utf8 = new TextEncoder();

/** Follows a file: the last TAIL_START_BYTES, then whatever is appended, polled. */
function Tail({ target, path }: { target: Target; path: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [paused, setPaused] = useState(false);
  const pausedNow = useRef(false);
  pausedNow.current = paused;
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let offset = -1;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText('');
    setError('');
    const poll = async (): Promise<void> => {
      if (pausedNow.current) {
        timer = setTimeout(() => void poll(), TAIL_POLL_MS);
        return;
      }
      try {
        if (offset < 0) {
          const { size } = await getJson<FileChunk>(filesUrl(target, 'read', { path, offset: -1 }));
          offset = Math.max(0, size - TAIL_START_BYTES);
        }
        for (;;) {
          const chunk = await getJson<FileChunk>(filesUrl(target, 'read', { path, offset }));
          if (stopped) break;
          if (chunk.size < offset) {
            // Truncated (or replaced) under us: start over from its new end.
            offset = Math.max(0, chunk.size - TAIL_START_BYTES);
            setText('');
            continue;
          }
          if (chunk.data === '') break;
          offset += utf8.encode(chunk.data).length;
          const el = pre.current;
          const atBottom = !el || el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
          setText((t) => (t + chunk.data).slice(-TAIL_KEEP_CHARS));
          if (atBottom) requestAnimationFrame(() => pre.current && (pre.current.scrollTop = pre.current.scrollHeight));
          if (offset >= chunk.size) break;
        }
        setError('');
      } catch (err) {
        setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(), TAIL_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [target.agent, target.framework, target.task, path]);
  return (
    <Section
      title={path}
      actions={
        <div class="actions">
          <button onClick={() => setPaused(!paused)}>{paused ? 'Follow' : 'Pause'}</button>
          <a class="button" href={filesUrl(target, 'download', { path })}>
            Download
          </a>
        </div>
      }
    >
      {error ? <p class="error">{error}</p> : null}
      <pre class="tail" ref={pre} data-testid="tail">
        {text}
      </pre>
    </Section>
  );
}

export function SandboxPage({ route }: { route: Route }) {
  const q = route.query;
  const target: Target = { agent: q.get('agent') ?? '', framework: q.get('framework') ?? '', task: q.get('task') ?? '' };
  const dir = q.get('path') ?? '';
  const file = q.get('file');
  const [entries, setEntries] = useState<SandboxEntry[] | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!target.agent || !target.task) return;
    let stopped = false;
    const load = (): void => {
      getJson<SandboxEntry[]>(filesUrl(target, 'browse', { path: dir }))
        .then((list) => {
          if (stopped) return;
          setEntries(list);
          setError('');
        })
        .catch((err: Error) => !stopped && setError(err.message));
    };
    load();
    const timer = setInterval(load, 3000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [target.agent, target.framework, target.task, dir]);

  if (!target.agent || !target.task || !target.framework) {
    return <p class="muted">Pick a task's sandbox from the tasks page (its “Sandbox” link).</p>;
  }
  // Without a pick, follow stdout when the directory has one.
  const shown = file ?? (entries?.some((e) => e.path === (dir ? `${dir}/stdout` : 'stdout')) ? (dir ? `${dir}/stdout` : 'stdout') : undefined);
  const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return (
    <div class="page" data-testid="sandbox-page">
      <Section title={`Sandbox of task ${target.task}`} actions={<a href={href('tasks', { q: target.task })}>Task →</a>}>
        <p class="muted small mono">
          agent {target.agent} · framework {target.framework} · /{dir}
        </p>
        {error ? <p class="error">{error}</p> : null}
        <div class="table-wrap">
          <table data-testid="sandbox-files">
            <thead>
              <tr>
                <th>Name</th>
                <th>Mode</th>
                <th class="num">Size</th>
                <th>Modified</th>
              </tr>
            </thead>
            <tbody>
              {dir ? (
                <tr>
                  <td colSpan={4}>
                    <a href="#" onClick={(e) => (e.preventDefault(), setQuery(route, { path: parent || undefined, file: undefined }))}>
                      ..
                    </a>
                  </td>
                </tr>
              ) : null}
              {(entries ?? []).map((e) => {
                const name = e.path.slice(e.path.lastIndexOf('/') + 1);
                return (
                  <tr data-file={e.path} class={e.path === shown ? 'selected' : ''}>
                    <td>
                      <a
                        href="#"
                        onClick={(ev) => {
                          ev.preventDefault();
                          setQuery(route, e.isDir ? { path: e.path, file: undefined } : { file: e.path });
                        }}
                      >
                        {name}
                        {e.isDir ? '/' : ''}
                      </a>
                    </td>
                    <td class="mono small">{e.mode}</td>
                    <td class="num">{e.isDir ? '' : e.size.toLocaleString('en-US')}</td>
                    <td class="small">{new Date(e.mtime).toLocaleString()}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Section>
      {shown ? <Tail target={target} path={shown} /> : null}
    </div>
  );
}
