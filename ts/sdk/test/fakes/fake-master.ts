// A TEST DOUBLE of the master's SchedulerService, for the SDK's unit tests
// (the real master is in ts/master). It records every request, answers
// Subscribe with SUBSCRIBED, and lets a test push events, end streams, fail
// subscriptions or calls with any gRPC status (and leader metadata).

import { Metadata, Server, ServerCredentials, status, type ServerWritableStream, type ServiceError } from '@grpc/grpc-js';
import {
  LEADER_METADATA_KEY,
  SERVER_OPTIONS,
  SchedulerServiceService,
  type CallHeader,
  type Event,
  type SchedulerServiceServer,
  type SubscribeRequest,
} from '@tessera/common';

export interface RecordedCall {
  method: string;
  request: { header?: CallHeader } & Record<string, unknown>;
  /** The connection the call came on ("host:port" of the client's socket). */
  peer: string;
}

export interface FakeMasterOptions {
  heartbeatIntervalSeconds?: number;
  /** Keep Subscribe streams open without ever sending SUBSCRIBED. */
  mute?: boolean;
  /** Answer every Subscribe with this status instead of a stream. */
  refuseSubscribe?: { code: number; details: string; leader?: string };
  /** Answer AcknowledgeMany with UNIMPLEMENTED, as a master that predates it. */
  noAcknowledgeMany?: boolean;
  /** Per task id: the error AcknowledgeMany reports for that task's entry. */
  acknowledgementErrors?: Map<string, string>;
}

export interface FakeMaster {
  address: string;
  subscriptions: SubscribeRequest[];
  calls: RecordedCall[];
  /** The open stream, if any. */
  stream(): ServerWritableStream<SubscribeRequest, Event> | undefined;
  /** The stream id the last SUBSCRIBED named. */
  streamId(): string;
  send(event: Event): void;
  /** Ends the open stream with OK (as a master that drops a scheduler). */
  endStream(): void;
  /** Makes the next call of `method` fail with this status. */
  failNext(method: string, code: number, details: string, leader?: string): void;
  options: FakeMasterOptions;
  close(): Promise<void>;
}

export async function startFakeMaster(options: FakeMasterOptions = {}): Promise<FakeMaster> {
  const subscriptions: SubscribeRequest[] = [];
  const calls: RecordedCall[] = [];
  const failures = new Map<string, Partial<ServiceError>>();
  let open: ServerWritableStream<SubscribeRequest, Event> | undefined;
  let lastStreamId = '';
  let streams = 0;

  const errorOf = (code: number, details: string, leader?: string): Partial<ServiceError> => {
    const metadata = new Metadata();
    if (leader) metadata.set(LEADER_METADATA_KEY, leader);
    return { code, details, metadata };
  };

  const unary =
    (method: string) =>
    (call: { request: { header?: CallHeader }; getPeer(): string }, callback: (err: Partial<ServiceError> | null, res?: object) => void) => {
      calls.push({ method, request: call.request as RecordedCall['request'], peer: call.getPeer() });
      const failure = failures.get(method);
      if (failure) {
        failures.delete(method);
        callback(failure);
      } else {
        callback(null, {});
      }
    };

  const handlers: SchedulerServiceServer = {
    subscribe(call) {
      subscriptions.push(call.request);
      const refuse = fake.options.refuseSubscribe;
      if (refuse) {
        call.emit('error', errorOf(refuse.code, refuse.details, refuse.leader));
        return;
      }
      open = call;
      if (fake.options.mute) return;
      lastStreamId = `stream-${++streams}`;
      const frameworkId = call.request.frameworkInfo?.id || 'fw-1';
      call.write({
        subscribed: {
          frameworkId,
          streamId: lastStreamId,
          heartbeatIntervalSeconds: fake.options.heartbeatIntervalSeconds ?? 15,
          masterId: 'fake-master',
        },
      });
      call.on('cancelled', () => {
        if (open === call) open = undefined;
      });
    },
    teardown: unary('teardown'),
    accept: unary('accept'),
    decline: unary('decline'),
    revive: unary('revive'),
    suppress: unary('suppress'),
    kill: unary('kill'),
    shutdown: unary('shutdown'),
    acknowledge: unary('acknowledge'),
    acknowledgeMany(call, callback) {
      if (fake.options.noAcknowledgeMany) {
        callback(errorOf(status.UNIMPLEMENTED, 'The server does not implement the method /tessera.v1.SchedulerService/AcknowledgeMany'));
        return;
      }
      unary('acknowledgeMany')(call, (err) => {
        if (err) return callback(err);
        const problems = fake.options.acknowledgementErrors ?? new Map<string, string>();
        callback(null, { errors: call.request.acknowledgements.map((a) => problems.get(a.taskId) ?? '') });
      });
    },
    reconcile: unary('reconcile'),
    message: unary('message'),
    updateFramework: unary('updateFramework'),
  };

  const server = new Server(SERVER_OPTIONS);
  server.addService(SchedulerServiceService, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  const fake: FakeMaster = {
    address: `127.0.0.1:${port}`,
    subscriptions,
    calls,
    options,
    stream: () => open,
    streamId: () => lastStreamId,
    send(event) {
      if (!open) throw new Error('fake master: no open stream');
      open.write(event);
    },
    endStream() {
      const stream = open;
      open = undefined;
      stream?.end();
    },
    failNext(method, code, details, leader) {
      failures.set(method, errorOf(code, details, leader));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
  return fake;
}
