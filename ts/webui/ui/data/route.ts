// Routes live in the URL's hash (#/agents/<id>?state=active), so the master
// serves one page at '/' and every view can be bookmarked and shared.

import { useEffect, useState } from 'preact/hooks';

/** A hand-edited hash with a bad escape is taken as written, not a crash. */
function decodeSafely(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
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
  const parts = path.split('/').filter(Boolean).map(decodeSafely);
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
