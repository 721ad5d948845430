// Talking to the master the UI was loaded from, and finding the leader when
// that master is not (or no longer) leading.
//
// A standby answers API calls with a redirect to the leader; the browser
// cannot follow that across origins (the leader sends no CORS headers), so
// requests use redirect: 'manual', and a redirect — or a master that stops
// answering — makes the UI ask /health who leads and move the whole page
// there (the UI is served by every master, so the page keeps working).

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

/** The master is not leading (it redirected) or did not answer. */
export class NotLeading extends Error {
  override name = 'NotLeading';
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { redirect: 'manual', signal: signal ?? null, headers: { accept: 'application/json' } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new NotLeading(`master did not answer: ${(err as Error).message}`);
  }
  if (res.type === 'opaqueredirect' || res.status === 307 || res.status === 503) {
    throw new NotLeading(`master answered ${res.status || 'a redirect'} for ${path}`);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new HttpProblem(res.status, `${path}: ${message}`);
  }
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.type === 'opaqueredirect') throw new NotLeading(`master redirected ${path}`);
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as T & { error?: string }) : ({} as T & { error?: string });
  if (!res.ok) throw new HttpProblem(res.status, parsed.error ?? `${res.status} ${res.statusText}`);
  return parsed;
}

/**
 * The leader's HTTP address (host:port) from /health, when this master says
 * another master leads; undefined when this one leads or cannot tell.
 * Accepts `leader` as "host:port", a URL, or an object with an http address.
 */
export async function otherLeader(): Promise<string | undefined> {
  let health: Record<string, unknown>;
  try {
    const res = await fetch('/health', { redirect: 'manual', headers: { accept: 'application/json' } });
    if (res.type === 'opaqueredirect') return undefined;
    health = (await res.json()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const leader = leaderAddress(health['leader']);
  if (!leader || leader === location.host) return undefined;
  return leader;
}

function leaderAddress(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') {
    try {
      return value.includes('://') ? new URL(value).host : value;
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return leaderAddress(v['httpAddress'] ?? v['http'] ?? v['address']);
  }
  return undefined;
}
