// startMaster: load the registry, start the gRPC server (SchedulerService and
// AgentService on one port) and the HTTP server, and hand back a handle.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AgentServiceService, SchedulerServiceService, SERVER_OPTIONS, createLogger, newId } from '@tessera/common';

import { agentService } from './agent-service.js';
import { recoverAgents } from './agents.js';
import { createHttpServer } from './http.js';
import { Master } from './master.js';
import { resolveOptions, type MasterOptions } from './options.js';
import { FileRegistry } from './registry/file-registry.js';
import { schedulerService } from './scheduler-service.js';
import { masterState, type MasterState } from './state.js';

export interface MasterHandle {
  id: string;
  /** host:port of the gRPC server. */
  grpcAddress: string;
  /** host:port of the HTTP server. */
  httpAddress: string;
  state(): MasterState;
  /** Ends every stream, closes both servers and stops every timer. */
  stop(): Promise<void>;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startMaster(options: MasterOptions): Promise<MasterHandle> {
  const resolved = resolveOptions(options);
  const log = resolved.logger ?? createLogger('master');
  const registry = resolved.registry ?? new FileRegistry(resolved.workDir);
  const recovered = await registry.load();
  const master = new Master(newId(), resolved, log, registry, recovered);
  recoverAgents(master, recovered.agents);

  const grpc = new Server(SERVER_OPTIONS);
  grpc.addService(SchedulerServiceService, schedulerService(master));
  grpc.addService(AgentServiceService, agentService(master));
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpc.bindAsync(hostPort(resolved.host, resolved.port), ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(new Error(`master: cannot listen for gRPC on ${hostPort(resolved.host, resolved.port)}: ${err.message}`)) : resolve(port),
    );
  });

  const http = createHttpServer(master);
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
  master.grpcAddress = hostPort(resolved.host, grpcPort);
  master.httpAddress = hostPort(resolved.host, httpPort);
  log.info(
    { id: master.id, grpc: master.grpcAddress, http: master.httpAddress, agents: recovered.agents.length, frameworks: recovered.frameworks.length },
    'master started',
  );

  let stopping: Promise<void> | undefined;
  return {
    id: master.id,
    grpcAddress: master.grpcAddress,
    httpAddress: master.httpAddress,
    state: () => masterState(master),
    stop(): Promise<void> {
      stopping ??= (async () => {
        master.stop();
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
        await registry.flush?.();
        log.info({ id: master.id }, 'master stopped');
      })();
      return stopping;
    },
  };
}
