// SchedulerClientOptions.channelOptions: grpc-js channel options, checked at
// the boundary (grpc-js itself ignores or misreads values of the wrong type).

import type { ChannelOptions } from '@grpc/grpc-js';

export function checkChannelOptions(path: string, options: unknown): ChannelOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${path}: must be an object of grpc-js channel options`);
  }
  const out: ChannelOptions = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new TypeError(`${path}['${key}']: must be a string or a finite number`);
    }
    out[key] = value;
  }
  return out;
}
