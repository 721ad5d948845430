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
 * The leader's HTTP address (host:port) when /health says this master does
 * not lead and names who does (`leading: false, leaderHttp`, as every master
 * answers it, leader or standby); undefined when this one leads or cannot tell.
 */
export async function otherLeader(): Promise<string | undefined> {
  let health: Health;
  try {
    const res = await fetch('/health', { redirect: 'manual', cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.type === 'opaqueredirect' || !res.ok) return undefined;
    health = (await res.json()) as Health;
  } catch {
    // This master does not answer at all (dead, or cut off): ask the others it listed.
    return leaderAmong(knownMasters().filter((m) => m !== location.host));
  }
  remember(health);
  const leader = health.leaderHttp;
  if (health.leading !== false || typeof leader !== 'string' || leader === '' || leader === location.host) return undefined;
  return leader;
}

interface Health {
  leading?: unknown;
  leaderHttp?: unknown;
  masters?: unknown;
}

const MASTERS_KEY = 'tessera.masters';

/** Asks this master which masters there are (GET /health `masters`), for when it dies. */
export async function learnMasters(): Promise<void> {
  try {
    const res = await fetch('/health', { redirect: 'manual', cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.ok) remember((await res.json()) as Health);
  } catch {
    // keep what was known
  }
}

function remember(health: Health): void {
  if (!Array.isArray(health.masters)) return;
  const masters = health.masters.filter((m): m is string => typeof m === 'string' && m !== '');
  try {
    sessionStorage.setItem(MASTERS_KEY, JSON.stringify(masters));
  } catch {
    // storage refused (private mode): following a dead master just will not work
  }
}

function knownMasters(): string[] {
  try {
    const list = JSON.parse(sessionStorage.getItem(MASTERS_KEY) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}

/** The HTTP address of the leader, as the first of `masters` that answers says (masters send /health with CORS). */
async function leaderAmong(masters: string[]): Promise<string | undefined> {
  for (const master of masters) {
    try {
      const res = await fetch(`${location.protocol}//${master}/health`, { cache: 'no-store', signal: AbortSignal.timeout(2000) });
      if (!res.ok) continue;
      const health = (await res.json()) as Health;
      if (health.leading === true) return master;
      if (typeof health.leaderHttp === 'string' && health.leaderHttp !== '' && health.leaderHttp !== location.host) return health.leaderHttp;
    } catch {
      // that one is down too: try the next
    }
  }
  return undefined;
}
