// gRPC conventions shared by every Tessera server and client: deliberate
// message-size bounds, keepalive, and errors as gRPC statuses whose message
// names the field at fault ("accept.operations[0].launch.task_infos[2].task_id:
// duplicate task id 'web-1'").

import { Metadata, status, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';

/** Largest message a Tessera server or client accepts: 16 MiB. A call bigger
 *  than this fails with RESOURCE_EXHAUSTED before any handler sees it. Large
 *  enough for an offer batch to a framework on a 10,000-agent cluster. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Options for Tessera's gRPC servers. */
export const SERVER_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // Let clients keep long-lived streams open with their own pings.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

/** Options for Tessera's gRPC clients (SDK, agent, CLI). */
export const CLIENT_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/** Trailing-metadata key a non-leading master sets to the leader's gRPC
 *  address (host:port) on an UNAVAILABLE status; clients follow it. */
export const LEADER_METADATA_KEY = 'tessera-leader';

/** A gRPC status error, thrown by handlers and turned into the call's status. */
export class RpcError extends Error implements Partial<ServiceError> {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;

  constructor(code: status, message: string, metadata: Metadata = new Metadata()) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = message;
    this.metadata = metadata;
  }
}

export const invalidArgument = (message: string): RpcError => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string): RpcError => new RpcError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string): RpcError =>
  new RpcError(status.FAILED_PRECONDITION, message);
export const permissionDenied = (message: string): RpcError => new RpcError(status.PERMISSION_DENIED, message);
export const resourceExhausted = (message: string): RpcError => new RpcError(status.RESOURCE_EXHAUSTED, message);
export const alreadyExists = (message: string): RpcError => new RpcError(status.ALREADY_EXISTS, message);
export const unavailable = (message: string, leader?: string): RpcError => {
  const md = new Metadata();
  if (leader) md.set(LEADER_METADATA_KEY, leader);
  return new RpcError(status.UNAVAILABLE, message, md);
};

/** Turns anything a handler threw into a ServiceError for grpc-js: RpcErrors
 *  keep their status; anything else is INTERNAL (and is a bug to log). */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: status; details: string } {
  if (err instanceof RpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: `internal error: ${message}`, message: `internal error: ${message}` };
}

/** The name of a gRPC status code, for messages and logs ("NOT_FOUND"). */
export function statusName(code: number): string {
  return status[code] ?? `STATUS_${code}`;
}
