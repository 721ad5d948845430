// Preact glue for the store: re-render when it changes (useStore), and fetch
// what a view shows, again whenever the cluster may have changed (useQuery).

import { useEffect, useRef, useState } from 'preact/hooks';

import type { ClusterStore } from './store.js';

export function useStore(store: ClusterStore): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return version;
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
