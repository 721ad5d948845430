// What happens in the master, told to whoever listens: the metrics, the
// operator event stream, drain bookkeeping. The master's lifecycles emit at
// the few places where a task, agent, framework or offer changes; emitting
// with no listener costs a Set lookup. A listener that throws is cut off from
// that one event, never from the master's own work.

import type { TaskStatus } from '@tessera/common';

import type { AgentRecord, FrameworkRecord, OfferRecord } from '../model.js';
import type { GoneReason } from '../offers.js';
import type { TaskRecord } from '../tasks.js';

export interface MasterEventMap {
  /** launched: accepted for launch (STAGING); updated: a status the master took in and forwards; completed: left the live tables. */
  task: { kind: 'launched' | 'updated' | 'completed'; task: TaskRecord; status?: TaskStatus };
  agent: { kind: 'connected' | 'disconnected' | 'unreachable'; agent: AgentRecord };
  framework: { kind: 'subscribed' | 'disconnected' | 'removed'; framework: FrameworkRecord };
  offer: { kind: 'made' | GoneReason; offer: OfferRecord };
  /** One allocation cycle, allocate() and sending its offers. */
  allocation: { seconds: number };
  /** One registry write, until durable (or failed). */
  registryWrite: { op: string; seconds: number; ok: boolean };
}

export type MasterEventType = keyof MasterEventMap;
type Listener<K extends MasterEventType> = (event: MasterEventMap[K]) => void;

export class MasterEvents {
  readonly #listeners = new Map<MasterEventType, Set<Listener<never>>>();
  /** Called with what a listener threw (the master logs it). */
  onListenerError: (err: unknown, type: MasterEventType) => void = () => undefined;

  on<K extends MasterEventType>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends MasterEventType>(type: K, event: MasterEventMap[K]): void {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch (err) {
        this.onListenerError(err, type);
      }
    }
  }
}
