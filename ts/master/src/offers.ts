// Offers: the master's records of the allocator's outstanding offers, and the
// allocation cycle that turns the allocator's batch into one OFFERS event per
// framework. Offer ids on the wire are "<master id>-O<allocator id>", so an id
// from an earlier master never names an offer of this one.

import { Event, Offer, fromAllocatorResources } from '@tessera/common';

import { monotonicNow } from './clock.js';
import type { Master } from './master.js';
import type { MasterEvents } from './operator/events.js';
import { isConnected, type OfferRecord } from './model.js';

/** How many gone offer ids are remembered (at least; up to twice), to tell "rescinded" from "never existed". */
const GONE_KEPT = 10_000;

export type GoneReason = 'accepted' | 'declined' | 'rescinded' | 'timed out';

export class OfferBook {
  readonly #byId = new Map<string, OfferRecord>();
  readonly #byAllocatorId = new Map<number, string>();
  // Gone ids in two generations: when the newer holds GONE_KEPT, it becomes the
  // older and the oldest generation is dropped whole. Deleting the oldest entry
  // of one Map per removal made V8 skip ever more deleted slots in keys().
  #gone = new Map<string, GoneReason>();
  #goneBefore = new Map<string, GoneReason>();
  readonly #prefix: string;

  constructor(
    masterId: string,
    readonly events?: MasterEvents,
  ) {
    this.#prefix = `${masterId}-O`;
  }

  idFor(allocatorId: number): string {
    return `${this.#prefix}${allocatorId}`;
  }

  get(id: string): OfferRecord | undefined {
    return this.#byId.get(id);
  }

  byAllocatorId(allocatorId: number): OfferRecord | undefined {
    const id = this.#byAllocatorId.get(allocatorId);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  goneReason(id: string): GoneReason | undefined {
    return this.#gone.get(id) ?? this.#goneBefore.get(id);
  }

  add(offer: OfferRecord): void {
    this.#byId.set(offer.id, offer);
    this.#byAllocatorId.set(offer.allocatorId, offer.id);
    this.events?.emit('offer', { kind: 'made', offer });
  }

  /** Forgets an offer (the allocator already let it go), remembering why. */
  remove(offer: OfferRecord, reason: GoneReason): void {
    if (offer.timeout) clearTimeout(offer.timeout);
    this.#byId.delete(offer.id);
    this.#byAllocatorId.delete(offer.allocatorId);
    if (this.#gone.size >= GONE_KEPT) {
      this.#goneBefore = this.#gone;
      this.#gone = new Map();
    }
    this.#gone.set(offer.id, reason);
    this.events?.emit('offer', { kind: reason, offer });
  }

  all(): IterableIterator<OfferRecord> {
    return this.#byId.values();
  }

  clear(): void {
    for (const o of this.#byId.values()) if (o.timeout) clearTimeout(o.timeout);
    this.#byId.clear();
    this.#byAllocatorId.clear();
  }
}

/** One allocation cycle: allocate, record the offers, send them grouped per framework. */
export function runAllocationCycle(m: Master): void {
  // The allocator's filters expire on the same monotonic clock they were made on (accept.ts).
  const allocation = m.allocator.allocate(monotonicNow());
  if (allocation.length === 0) return;
  const perFramework = new Map<string, Offer[]>();
  const orphaned: number[] = [];
  for (const o of allocation) {
    const framework = m.frameworks.get(o.frameworkId);
    const agent = m.agents.get(o.agentId);
    if (!framework || !isConnected(framework) || !agent || agent.state !== 'active') {
      // The allocator should not have offered these; hand them straight back.
      orphaned.push(o.id);
      continue;
    }
    const record: OfferRecord = {
      id: m.offers.idFor(o.id),
      allocatorId: o.id,
      frameworkId: o.frameworkId,
      agentId: o.agentId,
      role: o.role,
      resources: o.resources,
    };
    const timeoutSeconds = m.options.offerTimeoutSeconds;
    if (timeoutSeconds !== undefined) {
      record.timeout = setTimeout(() => m.guarded('offer timeout', () => m.rescindOffer(record, 'timed out')), timeoutSeconds * 1000);
      record.timeout.unref?.();
    }
    m.offers.add(record);
    framework.offers.add(record.id);
    const executorIds: string[] = [];
    for (const e of agent.executors.values()) {
      if (e.frameworkId === framework.id && !e.freed) executorIds.push(e.info.executorId);
    }
    const wire = Offer.create({
      id: record.id,
      frameworkId: framework.id,
      agentId: agent.id,
      hostname: agent.info.hostname,
      role: o.role,
      resources: fromAllocatorResources(o.resources),
      // The agent's own wire attributes (its allocator attributes are converted from them).
      attributes: agent.info.attributes,
      executorIds,
    });
    const list = perFramework.get(framework.id) ?? [];
    list.push(wire);
    perFramework.set(framework.id, list);
  }
  if (orphaned.length > 0) m.allocator.rescind(orphaned);
  for (const [frameworkId, offers] of perFramework) {
    const framework = m.frameworks.get(frameworkId);
    if (framework) m.sendEvent(framework, Event.create({ offers: { offers } }));
  }
  m.log.debug({ offers: allocation.length }, 'allocation cycle');
}
