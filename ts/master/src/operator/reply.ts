// What a route may answer besides a JSON value (which http.ts sends as 200):
// a body of another type (Prometheus text, a log download), or HANDLED when
// the route wrote the response itself (the event stream).

import type { ServerResponse } from 'node:http';

export class RawReply {
  constructor(
    readonly contentType: string,
    readonly body: string,
    readonly headers: Record<string, string> = {},
    readonly status = 200,
  ) {}

  send(res: ServerResponse): void {
    res.writeHead(this.status, { 'content-type': this.contentType, 'content-length': Buffer.byteLength(this.body), ...this.headers });
    res.end(this.body);
  }
}

/** The route wrote (or is writing) the response itself. */
export const HANDLED: unique symbol = Symbol('handled');
