// Acknowledgements on their way to agents, coalesced per agent per event-loop
// turn. One AcknowledgeMany call (or several calls and status updates handled
// in the same poll phase) often holds more than one acknowledgement for an
// agent; each used to be its own stream message. They now wait until the turn
// ends (setImmediate: right after the poll phase that produced them) and go out
// as one `acknowledgements` message, or as a plain `acknowledge` when there is
// only one — so an agent that predates the batched form still understands the
// common case. Any other message to the agent flushes its queue first, so the
// agent sees every message in the order the master decided it.

import type { MasterMessage, MasterMessage_Acknowledge } from '@tessera/common';

import type { AgentRecord } from './model.js';

export class AgentAcknowledgements {
  readonly #queued = new Map<AgentRecord, MasterMessage_Acknowledge[]>();
  readonly #write: (agent: AgentRecord, message: MasterMessage) => boolean;
  #scheduled = false;
  #stopped = false;

  /** `write` puts a message on the agent's current stream (false when it has none). */
  constructor(write: (agent: AgentRecord, message: MasterMessage) => boolean) {
    this.#write = write;
  }

  /** Queues an acknowledgement for the agent; it goes out when this turn ends. */
  add(agent: AgentRecord, ack: MasterMessage_Acknowledge): void {
    if (this.#stopped) return;
    const queue = this.#queued.get(agent);
    if (queue) queue.push(ack);
    else this.#queued.set(agent, [ack]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Sends what waits for this agent now (before another message to it). */
  flush(agent: AgentRecord): void {
    const queue = this.#queued.get(agent);
    if (!queue) return;
    this.#queued.delete(agent);
    // Acknowledgements to an agent without a stream are dropped, as a single
    // one was: the agent resends the update on reconnect and hears it again.
    this.#write(agent, queue.length === 1 ? { acknowledge: queue[0]! } : { acknowledgements: { acknowledgements: queue } });
  }

  flushAll(): void {
    this.#scheduled = false;
    for (const agent of [...this.#queued.keys()]) this.flush(agent);
  }

  /** Agents with acknowledgements waiting (for tests and sanity checks). */
  get waiting(): number {
    return this.#queued.size;
  }

  stop(): void {
    this.#stopped = true;
    this.#queued.clear();
  }
}
