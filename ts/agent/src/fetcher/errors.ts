// The one way a fetch fails: FetchError names the URI and the cause, and the
// executors turn it into TASK_FAILED with REASON_FETCH_FAILED.

export class FetchError extends Error {
  override readonly name = 'FetchError';

  constructor(
    readonly uri: string,
    readonly cause_: string,
  ) {
    super(`fetching '${uri}' failed: ${cause_}`);
  }
}
