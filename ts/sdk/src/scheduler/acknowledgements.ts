// Acknowledgements coalesced into AcknowledgeMany calls. Each update a
// framework takes costs the master an acknowledgement; as unary calls of their
// own (a new HTTP/2 stream each, headers and trailers) they were two of the
// three calls per task launch. At most one AcknowledgeMany is in flight per
// client: the acknowledgements made while it is (and those of the current
// event-loop turn) go out together in the next one, so a busy framework sends
// large batches and an idle one sends each at once (Nagle's rule). Each
// caller's promise settles with its own entry's outcome. A master without
// AcknowledgeMany (UNIMPLEMENTED) gets single Acknowledge calls from then on.

import { status } from '@grpc/grpc-js';

import { SchedulerCallError } from '../errors.js';

export interface Acknowledgement {
  agentId: string;
  taskId: string;
  uuid: Buffer;
}

/** The master's answer: one entry per acknowledgement, '' when applied, else why not. */
export type SendMany = (acknowledgements: Acknowledgement[]) => Promise<string[]>;
export type SendOne = (acknowledgement: Acknowledgement) => Promise<void>;

/** The master's bound on one AcknowledgeMany. */
export const MAX_BATCH = 10_000;

interface Queued {
  acknowledgement: Acknowledgement;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class AcknowledgementBatcher {
  readonly #sendMany: SendMany;
  readonly #sendOne: SendOne;
  #queue: Queued[] = [];
  #scheduled = false;
  #inFlight = false;
  /** False once the master answered AcknowledgeMany with UNIMPLEMENTED. */
  #batching = true;
  #calls = 0;

  constructor(sendMany: SendMany, sendOne: SendOne) {
    this.#sendMany = sendMany;
    this.#sendOne = sendOne;
  }

  /** Calls made so far (AcknowledgeMany or single), for tests. */
  get calls(): number {
    return this.#calls;
  }

  /** Resolves once the master has applied this acknowledgement. */
  add(acknowledgement: Acknowledgement): Promise<void> {
    if (!this.#batching) return this.#one(acknowledgement);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ acknowledgement, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After the I/O callbacks of this turn: every update read in it has been taken.
    setImmediate(() => {
      this.#scheduled = false;
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#inFlight = true;
      void this.#send(batch).finally(() => {
        this.#inFlight = false;
        this.#schedule();
      });
    });
  }

  async #send(batch: Queued[]): Promise<void> {
    let errors: string[];
    try {
      this.#calls += 1;
      errors = await this.#sendMany(batch.map((q) => q.acknowledgement));
    } catch (err) {
      if (err instanceof SchedulerCallError && err.grpcCode === status.UNIMPLEMENTED) {
        this.#batching = false;
        for (const q of batch) this.#one(q.acknowledgement).then(q.resolve, q.reject);
        return;
      }
      const error = err instanceof Error ? err : new Error(String(err));
      for (const q of batch) q.reject(error);
      return;
    }
    batch.forEach((q, i) => {
      const problem = errors[i];
      if (problem === '') q.resolve();
      else if (problem === undefined) {
        q.reject(new SchedulerCallError(status.INTERNAL, `acknowledge: the master answered ${errors.length} of ${batch.length} acknowledgements`));
      } else q.reject(new SchedulerCallError(status.NOT_FOUND, `acknowledge: ${problem}`));
    });
  }

  #one(acknowledgement: Acknowledgement): Promise<void> {
    this.#calls += 1;
    return this.#sendOne(acknowledgement);
  }
}
