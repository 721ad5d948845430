// A large cluster on a real master, for the benchmarks that measure the
// operator side at scale (bench:operator, bench:webui): an in-process master
// (memory registry), N agents that register over AgentService streams and
// report RUNNING for every task they are sent (and hold it: nothing
// finishes), and one SDK framework that fills every offer with tasks of
// cpus:1;mem:32 until M are running, acknowledging as it goes. No shortcut
// into the master's tables: the state is what the control plane built.
// (Moved out of run.ts unchanged, so bench:webui measures the same cluster.)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  CLIENT_OPTIONS,
  TaskState,
  TaskStatus_Source,
  createLogger,
  silentLogger,
  type AgentMessage,
  type MasterMessage,
  type Resource,
} from '@tessera/common';

import { MemoryRegistry, startMaster, type MasterHandle } from '../../ts/master/src/index.js';
import { SchedulerClient } from '../../ts/sdk/src/index.js';

const AGENTS_PER_CONNECTION = 100;

const scalar = (name: string, value: number): Resource => ({ name, scalar: { value }, reservation: '', revocable: false });

/** N agents over AgentService, a stream each (many per HTTP/2 connection), holding every task RUNNING. */
export class SimAgents {
  readonly #clients: AgentServiceClient[] = [];
  readonly #streams: Array<ClientDuplexStream<AgentMessage, MasterMessage>> = [];
  running = 0;

  constructor(
    readonly master: string,
    readonly tasksPerAgent: number,
  ) {}

  register(index: number): Promise<void> {
    const slot = Math.floor(index / AGENTS_PER_CONNECTION);
    // A local subchannel pool: each client its own connection (grpc-js would share one among identical channels).
    const client = (this.#clients[slot] ??= new AgentServiceClient(this.master, credentials.createInsecure(), { ...CLIENT_OPTIONS, 'grpc.use_local_subchannel_pool': 1 }));
    const stream = client.connect();
    this.#streams.push(stream);
    let agentId = '';
    let seq = 0;
    return new Promise((resolve, reject) => {
      stream.on('data', (m: MasterMessage) => {
        if (m.registered) {
          agentId = m.registered.agentId;
          resolve();
        } else if (m.refused) reject(new Error(`agent ${index} refused: ${m.refused.message}`));
        else if (m.ping) stream.write({ pong: { seq: m.ping.seq } });
        else if (m.runTask?.task) {
          const task = m.runTask.task;
          const uuid = Buffer.alloc(16);
          uuid.writeUInt32BE(index, 0);
          uuid.writeUInt32BE(++seq, 4);
          this.running++;
          stream.write({
            statusUpdate: {
              frameworkId: m.runTask.frameworkInfo?.id ?? '',
              latestState: TaskState.RUNNING,
              status: {
                taskId: task.taskId,
                state: TaskState.RUNNING,
                message: '',
                source: TaskStatus_Source.EXECUTOR,
                reason: 0,
                timestamp: Date.now() / 1000,
                agentId,
                executorId: task.taskId,
                uuid,
                containerId: `c-${task.taskId}`,
                data: Buffer.alloc(0),
              },
            },
          });
        }
        // Acknowledgements need nothing: the task stays RUNNING, no further update.
      });
      stream.on('error', (err) => reject(err));
      stream.write({
        register: {
          agentInfo: {
            id: '',
            hostname: `sim-agent-${index}`,
            address: `127.0.0.1:${20_000 + (index % 40_000)}`,
            resources: [scalar('cpus', this.tasksPerAgent), scalar('mem', 32 * this.tasksPerAgent), { name: 'ports', ranges: { range: [{ begin: 31000, end: 31099 }] }, reservation: '', revocable: false }],
            attributes: [{ name: 'rack', text: `r${index % 40}` }],
            version: 'bench',
          },
        },
      });
    });
  }

  close(): void {
    for (const s of this.#streams) s.cancel();
    for (const c of this.#clients) c.close();
  }
}

export interface LargeClusterOptions {
  agents: number;
  tasks: number;
  progress: (line: string) => void;
}

export interface LargeCluster {
  master: MasterHandle;
  /** Seconds to register the agents, and to get every task RUNNING. */
  registerS: number;
  launchS: number;
  close(): Promise<void>;
}

export async function buildLargeCluster(opts: LargeClusterOptions): Promise<LargeCluster> {
  const workDir = await mkdtemp(join(tmpdir(), 'tessera-bench-operator-'));
  const master = await startMaster({
    workDir,
    port: 0,
    httpPort: 0,
    registry: new MemoryRegistry(),
    logger: silentLogger(),
    // Pings and heartbeats would only add noise to the timings.
    agentPingIntervalSeconds: 3600,
    frameworkHeartbeatSeconds: 3600,
    agentReregisterTimeoutSeconds: 3600,
  });
  const agents = new SimAgents(master.grpcAddress, Math.ceil(opts.tasks / opts.agents));
  let framework: SchedulerClient | undefined;
  const close = async (): Promise<void> => {
    framework?.close();
    agents.close();
    await master.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    let started = performance.now();
    for (let i = 0; i < opts.agents; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, opts.agents - i) }, (_, k) => agents.register(i + k)));
    }
    const registerS = (performance.now() - started) / 1000;
    opts.progress(`${opts.agents} agents registered in ${registerS.toFixed(1)} s`);

    started = performance.now();
    const fw = new SchedulerClient({
      master: master.grpcAddress,
      framework: { name: 'bench-operator', user: 'bench' },
      autoAcknowledge: true,
      callTimeoutMs: 120_000,
      logger: createLogger('bench.framework', { level: 'error', destination: process.stderr }),
    });
    framework = fw;
    let launched = 0;
    let seq = 0;
    let runningSeen = 0;
    const done = new Promise<void>((resolve, reject) => {
      void (async () => {
        for await (const event of fw.events()) {
          if (event.type === 'offers') {
            const decline: string[] = [];
            for (const offer of event.offers) {
              const cpus = offer.resources.filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
              const n = Math.min(Math.floor(cpus + 1e-9), opts.tasks - launched);
              if (n <= 0) {
                decline.push(offer.id);
                continue;
              }
              launched += n;
              const tasks = Array.from({ length: n }, () => ({
                taskId: `t${++seq}`,
                name: `bench-${seq}`,
                agentId: offer.agentId,
                resources: [scalar('cpus', 1), scalar('mem', 32)],
                command: { value: 'sleep 3600', shell: true },
              }));
              fw.launch([offer.id], tasks, { refuseSeconds: 3600 }).catch(reject);
            }
            if (decline.length > 0) fw.decline(decline, { refuseSeconds: 3600 }).catch(reject);
          } else if (event.type === 'update' && event.status.state === TaskState.RUNNING) {
            if (++runningSeen === opts.tasks) resolve();
            if (runningSeen % 20_000 === 0) opts.progress(`${runningSeen} tasks running`);
          } else if (event.type === 'error') reject(new Error(event.message));
        }
      })().catch(reject);
    });
    await done;
    const launchS = (performance.now() - started) / 1000;
    opts.progress(`${opts.tasks} tasks running in ${launchS.toFixed(1)} s`);
    // Let acknowledgements drain: the cluster idle while it is measured.
    await new Promise((r) => setTimeout(r, 2000));
    return { master, registerS, launchS, close };
  } catch (err) {
    await close();
    throw err;
  }
}
