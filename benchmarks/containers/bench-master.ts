// A minimal master for the container benchmark: serves AgentService.Connect,
// admits the agent, acknowledges every status update at once (as a framework
// that keeps up would), and timestamps each task's states on arrival. It is
// what the benchmark measures against, not a test double of the real master's
// logic: no offers, no allocator, so the numbers are the agent's own.

import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';

import {
  AgentServiceService,
  FrameworkInfo,
  MasterMessage,
  SERVER_OPTIONS,
  TaskState,
  newId,
  type AgentMessage,
  type TaskInfo,
} from '@tessera/common';

const FRAMEWORK = FrameworkInfo.create({ id: 'bench-fw', name: 'bench:containers', roles: ['*'] });

export class BenchMaster {
  address = '';
  /** taskId → state → first arrival (performance.now()). */
  readonly arrivals = new Map<string, Map<TaskState, number>>();
  private readonly server = new Server(SERVER_OPTIONS);
  private stream: ServerDuplexStream<AgentMessage, MasterMessage> | undefined;
  private registered!: () => void;
  readonly agentRegistered = new Promise<void>((resolve) => (this.registered = resolve));
  private waiters: Array<() => void> = [];

  constructor() {
    this.server.addService(AgentServiceService, {
      connect: (stream: ServerDuplexStream<AgentMessage, MasterMessage>) => this.accept(stream),
    });
  }

  async start(): Promise<this> {
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = `127.0.0.1:${port}`;
    return this;
  }

  runTask(task: TaskInfo): void {
    this.write({ runTask: { frameworkInfo: FRAMEWORK, task } });
  }

  killTask(taskId: string, graceSeconds = 0): void {
    this.write({ killTask: { frameworkId: FRAMEWORK.id, taskId, killPolicy: { gracePeriodSeconds: graceSeconds } } });
  }

  /** Resolves when every task in `taskIds` has reached a state `reached` accepts. */
  async waitAll(taskIds: readonly string[], reached: (states: Map<TaskState, number>) => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const done = () => taskIds.every((id) => reached(this.arrivals.get(id) ?? new Map()));
    while (!done()) {
      if (performance.now() > deadline) {
        const missing = taskIds.filter((id) => !reached(this.arrivals.get(id) ?? new Map()));
        throw new Error(`timed out after ${timeoutMs} ms: ${missing.length} tasks not there yet (e.g. ${missing[0]})`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async stop(): Promise<void> {
    this.stream?.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private write(message: Partial<MasterMessage>): void {
    if (!this.stream) throw new Error('bench master: no agent connected');
    this.stream.write(MasterMessage.create(message));
  }

  private accept(stream: ServerDuplexStream<AgentMessage, MasterMessage>): void {
    this.stream = stream;
    stream.on('data', (message: AgentMessage) => {
      if (message.register || message.reregister) {
        const agentId = message.reregister?.agentInfo?.id || newId();
        stream.write(MasterMessage.create({ registered: { agentId, masterId: 'bench-master', pingIntervalSeconds: 15 } }));
        this.registered();
        return;
      }
      const update = message.statusUpdate;
      if (!update?.status) return;
      const { taskId, state, uuid } = update.status;
      let states = this.arrivals.get(taskId);
      if (!states) this.arrivals.set(taskId, (states = new Map()));
      if (!states.has(state)) states.set(state, performance.now());
      stream.write(MasterMessage.create({ acknowledge: { frameworkId: update.frameworkId, taskId, uuid } }));
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    stream.on('error', () => undefined);
    stream.on('end', () => stream.end());
  }
}
