// startMaster: start the gRPC server (SchedulerService and AgentService on one
// port) and the HTTP server, lead, and hand back a handle.
//
// Standalone (no `zk`), the master leads at once from its file registry. With
// `zk`, every master listens at once but only the elected one acts: until
// then its services refuse calls naming the leader (leadership/grpc-gate.ts)
// and its HTTP server redirects (leadership/http-front.ts). Once elected it
// reads the registry from ZooKeeper — taking it over, which fences the
// previous leader's writes — and recovers as a restarted master does: agents
// in the registry have agentReregisterTimeoutSeconds to re-register,
// frameworks their failover timeouts to re-subscribe. A master that loses its
// session, or finds the registry written by another master, stops acting at
// once and resolves `lost`; like a Mesos master, the process then exits
// (`tessera master` with code 3) and a supervisor starts it again as a standby.

import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { AgentServiceService, OperatorServiceService, SchedulerServiceService, SERVER_OPTIONS, createLogger, newId, type Logger } from '@tessera/common';
import type { MasterInfo } from '@tessera/ha';

import { agentService } from './agent-service.js';
import { recoverAgents } from './agents.js';
import { recoverAgentModes, recoverFrameworks, recoverRoleSettings } from './recovery.js';
import { httpHandler } from './http.js';
import { operatorService } from './operator/grpc-service.js';
import { frontHandler } from './leadership/http-front.js';
import { gatedService } from './leadership/grpc-gate.js';
import { StallFence } from './leadership/stall-fence.js';
import { ZkLeadership } from './leadership/zk-leadership.js';
import { Master, VERSION } from './master.js';
import { countElection, setLeading } from './operator/context.js';
import { resolveOptions, type MasterOptions, type ResolvedOptions } from './options.js';
import { FileRegistry } from './registry/file-registry.js';
import type { Registry } from './registry/registry.js';
import { ZkRegistry } from './registry/zk-registry.js';
import { schedulerService } from './scheduler-service.js';
import { masterState, type MasterState } from './state.js';

export interface MasterHandle {
  /** This master process's id (its MasterInfo id). */
  id: string;
  /** host:port of the gRPC server. */
  grpcAddress: string;
  /** host:port of the HTTP server. */
  httpAddress: string;
  /** Whether this master leads now. */
  leading(): boolean;
  /** Resolves when this master leads (at once for a standalone master). */
  elected: Promise<void>;
  /** Resolves with the reason once an elected master lost its leadership (never for a standalone one). */
  lost: Promise<string>;
  /** The /state JSON; throws while this master does not lead. */
  state(): MasterState;
  /** Ends every stream, closes both servers, stops every timer and leaves the election. */
  stop(): Promise<void>;
}

/** The services a leading master serves; a standby refuses them all. */
const SERVICES: Array<[ServiceDefinition, (m: Master) => UntypedServiceImplementation]> = [
  [SchedulerServiceService, (m) => schedulerService(m) as unknown as UntypedServiceImplementation],
  [AgentServiceService, (m) => agentService(m) as unknown as UntypedServiceImplementation],
  [OperatorServiceService, (m) => operatorService(m) as unknown as UntypedServiceImplementation],
];

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

interface Leading {
  master: Master;
  services: Map<ServiceDefinition, UntypedServiceImplementation>;
  http: RequestListener;
}

async function lead(id: string, resolved: ResolvedOptions, log: Logger, registry: Registry): Promise<Leading> {
  const recovered = await registry.load();
  const master = new Master(id, resolved, log, registry, recovered);
  recoverAgents(master, recovered.agents);
  recoverFrameworks(master, recovered);
  recoverRoleSettings(master, recovered);
  recoverAgentModes(master, recovered);
  return { master, services: new Map(SERVICES.map(([def, make]) => [def, make(master)])), http: httpHandler(master) };
}

export async function startMaster(options: MasterOptions): Promise<MasterHandle> {
  const resolved = resolveOptions(options);
  const log = resolved.logger ?? createLogger('master');
  const id = newId();
  let leading: Leading | undefined;
  let leadership: ZkLeadership | undefined;
  /** With --zk: holds calls after a stall until ZooKeeper confirms the leadership (leadership/stall-fence.ts). */
  let fence: StallFence | undefined;
  /** The leading master's parts while it may act; undefined for a standby, and while the fence holds. */
  const acting = (): Leading | undefined => (leading && (!fence || fence.open) ? leading : undefined);
  let info: MasterInfo | undefined;
  /** Once set, this master never acts again (lost leadership, or stopped). */
  let deposed = false;

  // Standalone: lead before listening, so no call ever sees a standby.
  if (!resolved.zk) leading = await lead(id, resolved, log, resolved.registry ?? new FileRegistry(resolved.workDir));

  /** The leader to point callers at: another master (while this one is elected but still recovering, none). */
  const otherLeader = (): MasterInfo | undefined => {
    const leader = deposed ? null : leadership?.leader();
    return leader && leader.id !== id ? leader : undefined;
  };

  const grpc = new Server(SERVER_OPTIONS);
  for (const [definition] of SERVICES) {
    grpc.addService(
      definition,
      gatedService(definition, () => acting()?.services.get(definition), () => otherLeader()?.address),
    );
  }
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpc.bindAsync(hostPort(resolved.host, resolved.port), ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(new Error(`master: cannot listen for gRPC on ${hostPort(resolved.host, resolved.port)}: ${err.message}`)) : resolve(port),
    );
  });

  const http = createServer(
    frontHandler({
      leading: () => acting()?.http,
      leader: () => (leading ? (info ?? null) : deposed ? null : (leadership?.leader() ?? null)),
      masterId: id,
      elected: resolved.zk !== undefined,
      masters: async () => {
        const all = leadership && !deposed ? await leadership.members() : [];
        const http = all.map((m) => m.httpAddress).filter((a): a is string => a !== undefined);
        return http.length > 0 ? http : info?.httpAddress ? [info.httpAddress] : [];
      },
    }),
  );
  try {
    http.listen(resolved.httpPort, resolved.host);
    await Promise.race([
      once(http, 'listening'),
      once(http, 'error').then(([err]) => {
        throw new Error(`master: cannot listen for HTTP on ${hostPort(resolved.host, resolved.httpPort)}: ${(err as Error).message}`);
      }),
    ]);
  } catch (err) {
    grpc.forceShutdown();
    throw err;
  }
  const httpPort = (http.address() as AddressInfo).port;
  const grpcAddress = hostPort(resolved.host, grpcPort);
  const httpAddress = hostPort(resolved.host, httpPort);
  info = { id, address: hostPort(resolved.advertiseHost, grpcPort), httpAddress: hostPort(resolved.advertiseHost, httpPort), version: VERSION };
  log.info({ id, grpc: grpcAddress, http: httpAddress, zk: resolved.zk ? `zk://${resolved.zk.connect}${resolved.zk.path}` : undefined }, 'master started');

  let markElected!: () => void;
  const elected = new Promise<void>((resolve) => (markElected = resolve));
  let markLost!: (why: string) => void;
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  const becomeLeader = (l: Leading): void => {
    fence?.start();
    leading = l;
    l.master.grpcAddress = grpcAddress;
    l.master.httpAddress = httpAddress;
    markElected();
  };

  /** Stops acting at once: no call is served and no write made from now on. */
  const abdicate = (why: string): void => {
    if (deposed) return;
    deposed = true;
    const was = leading;
    leading = undefined;
    if (was) setLeading(was.master, false);
    was?.master.stop();
    fence?.stop();
    leadership?.stop();
    log.error({ id, why }, 'lost leadership');
    markLost(why);
  };

  if (leading) {
    becomeLeader(leading);
    log.info({ id, agents: leading.master.recoveringAgents.size, frameworks: leading.master.registeredFrameworks.size }, 'leading (standalone)');
  } else {
    const zk = resolved.zk!;
    leadership = new ZkLeadership(zk, info, resolved.zkSessionTimeoutSeconds * 1000, log);
    const zkLeadership = leadership;
    fence = new StallFence((resolved.zkSessionTimeoutSeconds * 1000) / 4, () => zkLeadership.confirm(), log);
    leadership.once('lost', (why: string) => abdicate(why));
    leadership.once('elected', () => {
      const started = performance.now();
      const registry = new ZkRegistry({ session: leadership!.session, path: zk.path });
      registry.once('fenced', (err: Error) => abdicate(err.message));
      lead(id, resolved, log, registry).then(
        (l) => {
          if (deposed) {
            l.master.stop();
            return;
          }
          becomeLeader(l);
          countElection(l.master);
          log.info(
            { id, recoverMs: Math.round(performance.now() - started), agents: l.master.recoveringAgents.size, frameworks: l.master.registeredFrameworks.size },
            'elected: leading master',
          );
        },
        (err: unknown) => abdicate(`could not recover the registry: ${(err as Error).message}`),
      );
    });
    // Contending waits for ZooKeeper as long as it takes; the servers already answer (as a standby).
    leadership.start().catch((err: unknown) => abdicate(`could not join the election: ${(err as Error).message}`));
  }

  let stopping: Promise<void> | undefined;
  return {
    id,
    grpcAddress,
    httpAddress,
    leading: () => leading !== undefined,
    elected,
    lost,
    state: () => {
      if (!leading) throw new Error('master: not the leading master; ask the leader for its state');
      return masterState(leading.master);
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        deposed = true;
        const was = leading;
        leading = undefined;
        was?.master.stop();
        fence?.stop();
        leadership?.stop();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            grpc.forceShutdown();
            resolve();
          }, 2000);
          grpc.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await was?.master.registry.flush?.().catch(() => undefined);
        log.info({ id }, 'master stopped');
      })();
      return stopping;
    },
  };
}
