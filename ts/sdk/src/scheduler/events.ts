// The events a SchedulerClient yields: the master's wire events, flattened
// into a discriminated union, plus the client's own 'disconnected'.

import type { Event, Offer, TaskStatus } from '@tessera/common';

export type SchedulerEvent =
  | { type: 'subscribed'; frameworkId: string; streamId: string; heartbeatIntervalSeconds: number; masterId: string }
  | { type: 'offers'; offers: Offer[] }
  | { type: 'rescind'; offerId: string }
  | { type: 'update'; status: TaskStatus }
  | { type: 'message'; agentId: string; executorId: string; data: Buffer }
  | { type: 'failure'; agentId: string; executorId?: string; status?: number }
  | { type: 'error'; message: string }
  /** The client lost its subscription and is re-subscribing (not from the master). */
  | { type: 'disconnected'; reason: string }
  | { type: 'heartbeat' };

/** The wire event as a SchedulerEvent, or undefined when no field is set
 *  (a newer master's event this client does not know). */
export function fromWireEvent(event: Event): SchedulerEvent | undefined {
  if (event.subscribed) {
    const s = event.subscribed;
    return {
      type: 'subscribed',
      frameworkId: s.frameworkId,
      streamId: s.streamId,
      heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
      masterId: s.masterId,
    };
  }
  if (event.offers) return { type: 'offers', offers: event.offers.offers };
  if (event.rescind) return { type: 'rescind', offerId: event.rescind.offerId };
  if (event.update) {
    // An UPDATE without a status is malformed; treat it as unknown.
    return event.update.status ? { type: 'update', status: event.update.status } : undefined;
  }
  if (event.message) {
    const m = event.message;
    return { type: 'message', agentId: m.agentId, executorId: m.executorId, data: m.data };
  }
  if (event.failure) {
    const f = event.failure;
    const out: SchedulerEvent = { type: 'failure', agentId: f.agentId };
    if (f.executorId !== '') out.executorId = f.executorId;
    if (f.status !== undefined) out.status = f.status;
    return out;
  }
  if (event.error) return { type: 'error', message: event.error.message };
  if (event.heartbeat) return { type: 'heartbeat' };
  return undefined;
}
