// The SDK's error classes. A call that the master (or agent) answered with a
// gRPC status becomes a typed error whose `code` is the status name, so
// callers can branch on 'NOT_FOUND' or 'INVALID_ARGUMENT' without grpc-js.

import { status, type ServiceError } from '@grpc/grpc-js';
import { LEADER_METADATA_KEY, statusName } from '@tessera/common';

/** A scheduler call failed: `code` is the gRPC status name ('INVALID_ARGUMENT', ...). */
export class SchedulerCallError extends Error {
  readonly code: string;
  readonly grpcCode: number;
  /** The leading master's address, when a non-leading master named it. */
  readonly leader: string | undefined;

  constructor(grpcCode: number, message: string, leader?: string) {
    super(message);
    this.name = 'SchedulerCallError';
    this.grpcCode = grpcCode;
    this.code = statusName(grpcCode);
    this.leader = leader;
  }
}

/** An executor call to the agent failed: `code` is the gRPC status name. */
export class ExecutorCallError extends SchedulerCallError {
  constructor(grpcCode: number, message: string) {
    super(grpcCode, message);
    this.name = 'ExecutorCallError';
  }
}

/** The leader a non-leading master named in its trailing metadata, if any. */
export function leaderOf(err: Partial<ServiceError>): string | undefined {
  const value = err.metadata?.get(LEADER_METADATA_KEY)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The server's own message: grpc-js prefixes `message` with "<code> <NAME>: ". */
export function detailsOf(err: Partial<ServiceError>): string {
  return err.details || err.message || 'unknown error';
}

/** Turns a grpc-js error into a SchedulerCallError naming the call. */
export function toSchedulerCallError(call: string, err: unknown): SchedulerCallError {
  if (err instanceof SchedulerCallError) return err;
  const e = err as Partial<ServiceError>;
  const code = typeof e.code === 'number' ? e.code : status.UNKNOWN;
  return new SchedulerCallError(code, `${call}: ${detailsOf(e)}`, leaderOf(e));
}

/** gRPC statuses after which re-subscribing may succeed (the master moved,
 *  restarted or is busy); any other status on Subscribe is final. */
export function isRetryable(code: number): boolean {
  return (
    code === status.UNAVAILABLE ||
    code === status.DEADLINE_EXCEEDED ||
    code === status.CANCELLED ||
    code === status.UNKNOWN ||
    code === status.INTERNAL ||
    code === status.RESOURCE_EXHAUSTED ||
    code === status.ABORTED
  );
}
