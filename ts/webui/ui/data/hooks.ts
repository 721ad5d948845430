// Preact glue: re-render a component when the store changes; the hash route.

import { useEffect, useRef, useState } from 'preact/hooks';

import type { ClusterStore } from './store.js';

export function useStore(store: ClusterStore): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return version;
}

export interface Route {
  /** First path segment: 'dashboard', 'tasks', 'agents', ... */
  page: string;
  /** Further path segments (e.g. an agent id). */
  rest: string[];
  query: URLSearchParams;
}

/** Routes live in the hash (#/agents/ID?x=y), so the master serves one page at '/'. */
export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? 'dashboard', rest: parts.slice(1), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

/** A link target: href('agents', id) → '#/agents/<id>', with an optional query. */
export function href(page: string, ...rest: Array<string | Record<string, string | undefined>>): string {
  const parts = [page];
  let query = '';
  for (const r of rest) {
    if (typeof r === 'string') parts.push(encodeURIComponent(r));
    else {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(r)) if (v !== undefined && v !== '') q.set(k, v);
      query = q.toString() ? `?${q}` : '';
    }
  }
  return `#/${parts.join('/')}${query}`;
}

/** Updates the current route's query (filters, page number) without a new history entry per keystroke. */
export function setQuery(route: Route, changes: Record<string, string | undefined>): void {
  const q = new URLSearchParams(route.query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const path = [route.page, ...route.rest.map(encodeURIComponent)].join('/');
  const s = q.toString();
  history.replaceState(null, '', `#/${path}${s ? `?${s}` : ''}`);
  dispatchEvent(new HashChangeEvent('hashchange'));
}

export interface QueryResult<T> {
  data?: T;
  error?: string;
  /** The key `data` was fetched for (it lags the asked key while a new fetch runs). */
  key?: string;
}

/**
 * What a page shows, fetched for `key` and fetched again whenever the store
 * says the cluster may have changed (`store.changes`: after events, and
 * periodically). One fetch at a time per component: changes
 * during a fetch cause one more fetch after it, so a fast event stream cannot
 * pile requests up. `enabled` false holds the fetch back (e.g. until what
 * the page needs first has arrived).
 */
export function useQuery<T>(store: ClusterStore, key: string, fetcher: () => Promise<T>, enabled = true): QueryResult<T> {
  useStore(store);
  const changes = store.changes;
  const [result, setResult] = useState<QueryResult<T>>({});
  const run = useRef<{ busy: boolean; again: boolean; alive: boolean; fetcher: () => Promise<T>; key: string }>({ busy: false, again: false, alive: true, fetcher, key });
  run.current.fetcher = fetcher;
  run.current.key = key;
  useEffect(() => {
    run.current.alive = true;
    return () => {
      run.current.alive = false;
    };
  }, []);
  useEffect(() => {
    const r = run.current;
    if (!enabled) return;
    if (r.busy) {
      r.again = true;
      return;
    }
    const go = (): void => {
      r.busy = true;
      const forKey = r.key;
      r.fetcher()
        .then(
          (data) => r.alive && setResult({ data, key: forKey }),
          (err: Error) => r.alive && setResult((prev) => ({ ...prev, error: err.message })),
        )
        .finally(() => {
          r.busy = false;
          if (r.again && r.alive) {
            r.again = false;
            go();
          }
        });
    };
    go();
  }, [key, changes, enabled]);
  return result;
}
