// An unbounded single-consumer queue that turns pushed events into an async
// iterator. Events arrive from gRPC callbacks while the consumer may be busy
// (launching tasks, awaiting calls): nothing may be dropped, so it buffers.

export class EventQueue<T> {
  readonly #buffer: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;

  /** Adds an event; ignored once the queue has ended. */
  push(event: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter({ value: event, done: false });
    } else {
      this.#buffer.push(event);
    }
  }

  /** Ends the queue: buffered events are still delivered, then iteration stops. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next event, or done when the queue has ended and drained. */
  next(): Promise<IteratorResult<T>> {
    const event = this.#buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter) return Promise.reject(new Error('EventQueue: only one consumer may wait at a time'));
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }
}
