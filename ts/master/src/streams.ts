// Safe writers over gRPC server streams. A stream may end from the other side
// at any moment (cancel, network error); writing after that must be a no-op,
// not an exception that takes the master down.

import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';

type Writable<T> = ServerWritableStream<unknown, T> | ServerDuplexStream<unknown, T>;

export class SafeStream<T> {
  #closed = false;
  readonly #call: Writable<T>;
  readonly #onClose: Array<(reason: string) => void> = [];

  readonly #onError: (err: unknown) => void;

  /** `onError` hears exceptions thrown by onClose callbacks (they must not escape into grpc-js). */
  constructor(call: Writable<T>, onError: (err: unknown) => void = () => undefined) {
    this.#call = call;
    this.#onError = onError;
    const close = (reason: string) => () => this.#markClosed(reason);
    call.on('cancelled', close('cancelled'));
    call.on('error', close('error'));
    call.on('close', close('closed'));
    call.on('finish', close('finished'));
  }

  get closed(): boolean {
    return this.#closed || this.#call.cancelled || this.#call.destroyed || this.#call.writableEnded;
  }

  /** Called once when the stream ends, whatever ended it. */
  onClose(fn: (reason: string) => void): void {
    if (this.#closed) {
      try {
        fn('closed');
      } catch (err) {
        this.#onError(err);
      }
    } else this.#onClose.push(fn);
  }

  send(message: T): boolean {
    if (this.closed) return false;
    try {
      this.#call.write(message);
      return true;
    } catch {
      this.#markClosed('write failed');
      return false;
    }
  }

  /** Ends the stream from our side (with OK status). */
  end(): void {
    if (this.closed) {
      this.#markClosed('ended');
      return;
    }
    try {
      this.#call.end();
    } catch {
      // Already ending: nothing to do.
    }
    this.#markClosed('ended');
  }

  #markClosed(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onClose.splice(0)) {
      try {
        fn(reason);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
