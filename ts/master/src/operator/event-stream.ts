// GET /api/v1/events: Server-Sent Events of task, agent, framework and offer
// changes. Each client first gets a `summary` event (so it can draw at once),
// then one event per change, a delta with no snapshot. Each event is
// serialized once, however many clients listen. A client that stops reading
// is cut off once MAX_BUFFERED_BYTES wait for it, rather than the master
// buffering without bound; it reconnects and starts from a summary again.

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Master } from '../master.js';
import type { AgentRecord, FrameworkRecord } from '../model.js';
import { isConnected } from '../model.js';
import { offerState, statusState, taskHead } from '../state.js';
import type { AgentModes, OperatorAgentState } from './agent-modes.js';
import { HANDLED } from './reply.js';
import { summary } from './summary.js';
import { badRequest, onlyParams } from './validate.js';

export const EVENT_TYPES = ['task', 'agent', 'framework', 'offer'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const MAX_BUFFERED_BYTES = 10 * 1024 * 1024;
const KEEPALIVE_MS = 15_000;

function agentDelta(a: AgentRecord, operatorState: OperatorAgentState) {
  return { id: a.id, hostname: a.info.hostname, state: a.state, operatorState, connected: a.stream !== undefined && !a.stream.closed };
}

function frameworkDelta(f: FrameworkRecord, removed: boolean) {
  const connected = !removed && isConnected(f);
  return { id: f.id, name: f.info.name, roles: f.roles, active: connected, connected };
}

/** An event for a listener: its type and its data, serialized once. */
export interface StreamEvent {
  type: EventType;
  data: unknown;
}

interface Client {
  res: ServerResponse;
  types: ReadonlySet<EventType>;
  keepalive: NodeJS.Timeout;
}

export class EventHub {
  readonly #clients = new Set<Client>();
  readonly #m: Master;
  readonly #modes: () => AgentModes;
  /** Also told every event (the gRPC Subscribe streams). */
  readonly #listeners = new Set<(e: StreamEvent) => void>();

  constructor(m: Master, modes: () => AgentModes) {
    this.#m = m;
    this.#modes = modes;
    m.events.on('task', (e) => {
      if (!this.#wanted('task')) return;
      const data: Record<string, unknown> = { kind: e.kind, task: taskHead(e.task) };
      if (e.kind === 'updated' && e.status) data.status = statusState(e.status);
      this.publish({ type: 'task', data });
    });
    m.events.on('agent', (e) => {
      if (this.#wanted('agent')) this.publish({ type: 'agent', data: { kind: e.kind, agent: agentDelta(e.agent, this.#modes().state(e.agent.id)) } });
    });
    m.events.on('framework', (e) => {
      if (this.#wanted('framework')) this.publish({ type: 'framework', data: { kind: e.kind, framework: frameworkDelta(e.framework, e.kind === 'removed') } });
    });
    m.events.on('offer', (e) => {
      if (this.#wanted('offer')) this.publish({ type: 'offer', data: { kind: e.kind, offer: offerState(e.offer) } });
    });
  }

  /** An operator's change to an agent (drain, deactivate, …), from AgentModes. */
  agentModeChanged(agent: AgentRecord, state: OperatorAgentState, kind: string): void {
    if (this.#wanted('agent')) this.publish({ type: 'agent', data: { kind, agent: agentDelta(agent, state) } });
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  listen(fn: (e: StreamEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #wanted(type: EventType): boolean {
    if (this.#listeners.size > 0) return true;
    for (const c of this.#clients) if (c.types.has(type)) return true;
    return false;
  }

  publish(event: StreamEvent): void {
    for (const fn of this.#listeners) fn(event);
    let frame: string | undefined;
    for (const client of this.#clients) {
      if (!client.types.has(event.type)) continue;
      frame ??= `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
      this.#write(client, frame);
    }
  }

  #write(client: Client, frame: string): void {
    if (client.res.writableLength > MAX_BUFFERED_BYTES) {
      this.#m.log.warn({ buffered: client.res.writableLength }, 'event stream client too slow: disconnected');
      this.#drop(client);
      client.res.destroy();
      return;
    }
    client.res.write(frame);
  }

  #drop(client: Client): void {
    clearInterval(client.keepalive);
    this.#clients.delete(client);
  }

  /** Serves GET /api/v1/events. */
  serve(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): typeof HANDLED {
    onlyParams(params, ['types']);
    const raw = params.get('types');
    const types = new Set<EventType>();
    for (const part of raw === null || raw === '' ? EVENT_TYPES : raw.split(',')) {
      if (!(EVENT_TYPES as readonly string[]).includes(part)) throw badRequest('types', `${JSON.stringify(part)} is not one of ${EVENT_TYPES.join(', ')}`);
      types.add(part as EventType);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const client: Client = {
      res,
      types,
      keepalive: setInterval(() => this.#write(client, ': ping\n\n'), KEEPALIVE_MS),
    };
    client.keepalive.unref?.();
    this.#clients.add(client);
    res.on('close', () => this.#drop(client));
    req.on('close', () => this.#drop(client));
    res.write(`event: summary\ndata: ${JSON.stringify(summary(this.#m, this.#modes()))}\n\n`);
    return HANDLED;
  }

  /** Ends every stream (the master is stopping). */
  close(): void {
    for (const client of [...this.#clients]) {
      this.#drop(client);
      client.res.end();
    }
  }
}
