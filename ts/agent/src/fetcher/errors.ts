// The one way a fetch fails: FetchError names the URI and the cause, and the
// executors turn it into TASK_FAILED with REASON_FETCH_FAILED.

export class FetchError extends Error {
  override readonly name = 'FetchError';

  constructor(
    readonly uri: string,
    /** What went wrong, for a human: "HTTP 404 Not Found", "ENOENT: …", "bad archive: …". */
    readonly detail: string,
  ) {
    super(`fetching '${uri}' failed: ${detail}`);
  }
}
