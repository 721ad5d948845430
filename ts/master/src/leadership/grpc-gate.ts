// A gRPC service whose implementation exists only while this master leads.
// Until it is elected (and after it is deposed) every call is refused with
// UNAVAILABLE naming the leader, when one is known, in the `tessera-leader`
// metadata: the SDK and the agent dial that address next.

import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { unavailable } from '@tessera/common';

type Handler = (call: { emit(event: 'error', err: unknown): unknown }, callback?: (err: unknown) => void) => void;

/** `current()` gives the leading master's implementation, or undefined while standing by. */
export function gatedService(
  definition: ServiceDefinition,
  current: () => UntypedServiceImplementation | undefined,
  leaderAddress: () => string | undefined,
): UntypedServiceImplementation {
  const gated: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const refuse: Handler = (call, callback) => {
      const leader = leaderAddress();
      const err = unavailable(leader ? `not the leading master; the leader is ${leader}` : 'not the leading master (none is elected yet, or this one is still recovering); retry shortly', leader);
      // Unary and client-streaming calls answer through the callback, streaming responses through the call.
      if (!method.responseStream && callback) callback(err);
      else call.emit('error', err);
    };
    gated[name] = ((call: Parameters<Handler>[0], callback?: (err: unknown) => void) => {
      const impl = current();
      const handler = impl?.[name] as Handler | undefined;
      if (!handler) return refuse(call, callback);
      return handler(call, callback);
    }) as UntypedServiceImplementation[string];
  }
  return gated;
}
