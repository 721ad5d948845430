// Helpers of the operator API and metrics suites: HTTP calls to the master,
// an event-stream reader, and a launch of N small tasks from one offer.

import { request } from 'node:http';

import { Operation_Type, TaskState, type Offer } from '@tessera/common';

import { FakeAgent, Inbox, TestScheduler, parseWire, type TestMaster } from './support.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export function call(tm: TestMaster, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const [host, port] = tm.master.httpAddress.split(':');
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const get = (tm: TestMaster, path: string) => call(tm, 'GET', path);
export const post = (tm: TestMaster, path: string, body: unknown, headers?: Record<string, string>) => call(tm, 'POST', path, body, headers);

/** A reader of GET /api/v1/events: parsed events land in `events`. */
export class EventReader {
  readonly events = new Inbox<{ type: string; data: any }>();
  #close: () => void = () => undefined;

  static open(tm: TestMaster, query = ''): Promise<EventReader> {
    const reader = new EventReader();
    const [host, port] = tm.master.httpAddress.split(':');
    return new Promise((resolve, reject) => {
      const req = request({ host, port: Number(port), path: `/api/v1/events${query}` }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`events: HTTP ${res.statusCode}`));
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (type && data) reader.events.push({ type, data: JSON.parse(data) });
          }
        });
        res.on('end', () => reader.events.close());
        res.on('error', () => reader.events.close());
        resolve(reader);
      });
      req.on('error', reject);
      reader.#close = () => req.destroy();
      req.end();
    });
  }

  close(): void {
    this.#close();
  }
}

/** Waits for an offer and launches `names` on it (cpus 0.1, mem 32 each, or `resources(i)`); returns the offer used. */
export async function launch(scheduler: TestScheduler, names: string[], agentId?: string, resources?: (i: number) => string): Promise<Offer> {
  const offers = await scheduler.offers(`an offer${agentId ? ` of ${agentId}` : ''}`);
  const offer = agentId ? offers.find((o) => o.agentId === agentId) : offers[0];
  if (!offer) throw new Error(`no offer of ${agentId}`);
  const err = await scheduler.call('accept', {
    header: scheduler.header,
    offerIds: [offer.id],
    operations: [
      {
        type: Operation_Type.LAUNCH,
        launch: {
          taskInfos: names.map((name, i) => ({ name, taskId: name, resources: parseWire(resources?.(i) ?? 'cpus:0.1;mem:32'), command: { value: 'sleep 1000', shell: true } })),
        },
      },
    ],
    filters: { refuseSeconds: 0 },
  });
  if (err) throw err;
  return offer;
}

/** The agent reports `state` for each task (the master forwards them). */
export function report(agent: FakeAgent, frameworkId: string, names: string[], state: TaskState): void {
  for (const name of names) agent.update(frameworkId, name, state);
}

/** Polls an async check (an HTTP call) until it holds or the deadline passes. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
