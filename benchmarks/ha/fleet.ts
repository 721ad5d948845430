// Simulated agents for the failover benchmark: real AgentService.Connect
// streams that register with one master, answer its pings, and — when told
// which master now leads — re-register there with their ids, as agents do
// after a master failover. Nothing runs on them; the point is the masters'
// work and the time it takes to have every agent back.
//
// The benchmark tells them the new leader the moment its /health says it
// leads: 10,000 real agents would each hold a ZooKeeper watch (the
// LeaderDetector) and learn at about that moment, but 10,000 ZooKeeper
// sessions are more than a 2-core machine's ensemble should carry next to
// everything else.

import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { AgentServiceClient, CLIENT_OPTIONS, type AgentInfo, type AgentMessage, type MasterMessage, type Resource } from '@tessera/common';

import { Samples } from '../e2e/samples.js';

type Stream = ClientDuplexStream<AgentMessage, MasterMessage>;

interface SimAgent {
  info: AgentInfo;
  stream?: Stream;
}

export class FailoverFleet {
  readonly agents: SimAgent[] = [];
  /** Time from opening the stream to Registered (ms), per agent, of the last (re-)registration round. */
  registrationMs = new Samples();
  #clients: AgentServiceClient[] = [];
  #address = '';

  constructor(
    readonly resources: Resource[],
    readonly agentsPerConnection = 100,
  ) {}

  #client(index: number): AgentServiceClient {
    const slot = Math.floor(index / this.agentsPerConnection);
    let client = this.#clients[slot];
    if (!client) {
      client = new AgentServiceClient(this.#address, credentials.createInsecure(), { ...CLIENT_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
      this.#clients[slot] = client;
    }
    return client;
  }

  /** Registers `n` new agents with the master at `address`, `batch` at a time. */
  async register(address: string, n: number, batch: number): Promise<void> {
    this.#retarget(address);
    this.registrationMs = new Samples();
    for (let start = 0; start < n; start += batch) {
      const round: Array<Promise<void>> = [];
      for (let i = start; i < Math.min(n, start + batch); i++) {
        const info: AgentInfo = {
          id: '',
          hostname: `ha-agent-${i}`,
          address: `127.0.0.1:${20_000 + (i % 40_000)}`,
          resources: this.resources,
          attributes: [],
          version: 'bench',
        } as unknown as AgentInfo;
        const agent: SimAgent = { info };
        this.agents.push(agent);
        round.push(this.#connect(i, agent, { register: { agentInfo: info } }));
      }
      await Promise.all(round);
    }
  }

  /** Every agent re-registers with the master at `address` (its id kept, no tasks), `batch` streams at a time in flight. */
  async reregisterAll(address: string, batch: number): Promise<void> {
    for (const agent of this.agents) agent.stream?.cancel();
    this.#retarget(address);
    this.registrationMs = new Samples();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.agents.length) {
        const i = next++;
        const agent = this.agents[i]!;
        // A master still recovering answers UNAVAILABLE: try again shortly, as an agent's backoff does.
        for (let attempt = 0; ; attempt++) {
          try {
            await this.#connect(i, agent, { reregister: { agentInfo: agent.info, tasks: [], executors: [], frameworks: [] } });
            break;
          } catch (err) {
            if (attempt > 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: batch }, () => worker()));
  }

  #retarget(address: string): void {
    if (address === this.#address) return;
    for (const client of this.#clients) client.close();
    this.#clients = [];
    this.#address = address;
  }

  #connect(index: number, agent: SimAgent, hello: AgentMessage): Promise<void> {
    const started = performance.now();
    const stream = this.#client(index).connect();
    agent.stream = stream;
    return new Promise<void>((resolve, reject) => {
      stream.on('data', (message: MasterMessage) => {
        if (message.ping) stream.write({ pong: { seq: message.ping.seq } });
        else if (message.registered) {
          agent.info = { ...agent.info, id: message.registered.agentId };
          this.registrationMs.push(performance.now() - started);
          resolve();
        } else if (message.refused) reject(new Error(`agent ${index}: refused: ${message.refused.message}`));
      });
      stream.on('error', (err: Error) => reject(new Error(`agent ${index}: ${err.message}`)));
      stream.on('end', () => reject(new Error(`agent ${index}: the master ended the stream`)));
      stream.write(hello);
    });
  }

  close(): void {
    for (const agent of this.agents) agent.stream?.cancel();
    for (const client of this.#clients) client.close();
  }
}
