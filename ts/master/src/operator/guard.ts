// The master's CallGuard (auth seam) in front of every operator call that
// changes something, as for the scheduler calls: method 'Operator…', the HTTP
// headers (or gRPC metadata) as metadata. A refusal becomes the matching
// HTTP status; nothing has changed yet when it is asked.

import { Metadata } from '@grpc/grpc-js';
import { RpcError, statusName } from '@tessera/common';

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';

const HTTP_OF_GRPC: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  FAILED_PRECONDITION: 409,
  UNAVAILABLE: 503,
};

export type Headers = Record<string, string | string[] | undefined> | Metadata;

function metadataOf(headers: Headers): Metadata {
  if (headers instanceof Metadata) return headers;
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' && /^[a-z0-9_.-]+$/.test(name)) metadata.set(name, value);
  }
  return metadata;
}

export async function guardOperator(m: Master, method: string, headers: Headers, frameworkId?: string): Promise<void> {
  const guard = m.options.callGuard;
  if (!guard) return;
  try {
    await guard({ method, ...(frameworkId !== undefined ? { frameworkId } : {}), metadata: metadataOf(headers) });
  } catch (err) {
    if (err instanceof RpcError) throw new HttpError(HTTP_OF_GRPC[statusName(err.code)] ?? 403, err.message);
    throw err;
  }
}
