// A TEST DOUBLE of the agent's ExecutorService, for the SDK's unit tests (the
// real one is in ts/agent). It records subscriptions, updates and messages,
// answers Subscribe with SUBSCRIBED, and lets a test push events or end the stream.

import { Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import {
  ExecutorServiceService,
  SERVER_OPTIONS,
  type ExecutorEvent,
  type ExecutorMessageRequest,
  type ExecutorServiceServer,
  type ExecutorSubscribeRequest,
  type ExecutorUpdateRequest,
} from '@tessera/common';

export interface FakeAgent {
  address: string;
  subscriptions: ExecutorSubscribeRequest[];
  updates: ExecutorUpdateRequest[];
  messages: ExecutorMessageRequest[];
  send(event: ExecutorEvent): void;
  endStream(): void;
  close(): Promise<void>;
}

export async function startFakeAgent(): Promise<FakeAgent> {
  const subscriptions: ExecutorSubscribeRequest[] = [];
  const updates: ExecutorUpdateRequest[] = [];
  const messages: ExecutorMessageRequest[] = [];
  let open: ServerWritableStream<ExecutorSubscribeRequest, ExecutorEvent> | undefined;

  const handlers: ExecutorServiceServer = {
    subscribe(call) {
      subscriptions.push(call.request);
      open = call;
      call.write({ subscribed: { agentId: 'agent-1', containerId: `container-${subscriptions.length}` } });
    },
    update(call, callback) {
      updates.push(call.request);
      callback(null, {});
    },
    message(call, callback) {
      messages.push(call.request);
      callback(null, {});
    },
  };
  const server = new Server(SERVER_OPTIONS);
  server.addService(ExecutorServiceService, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    subscriptions,
    updates,
    messages,
    send(event) {
      if (!open) throw new Error('fake agent: no open stream');
      open.write(event);
    },
    endStream() {
      const stream = open;
      open = undefined;
      stream?.end();
    },
    close: async () => {
      server.forceShutdown();
    },
  };
}
