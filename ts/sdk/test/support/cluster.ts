// A real Tessera cluster in this process for end-to-end tests: a master and
// agents (ts/master, ts/agent; real POSIX processes in sandboxes) on loopback
// with ephemeral ports and a temporary work directory.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

import { silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../../../agent/src/index.js';
import { startMaster, type MasterHandle } from '../../../master/src/index.js';

export interface Cluster {
  dir: string;
  master: MasterHandle;
  agents: AgentHandle[];
  /** A file of an executor's sandbox (its latest run), found on disk. */
  sandboxFile(executorId: string, file: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startCluster(agentCount = 2, resources = 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]'): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-sdk-e2e-'));
  const master = await startMaster({ port: 0, httpPort: 0, workDir: join(dir, 'master'), logger: silentLogger() });
  const agents: AgentHandle[] = [];
  for (let i = 1; i <= agentCount; i++) {
    agents.push(
      await startAgent({
        master: master.grpcAddress,
        workDir: join(dir, `a${i}`),
        port: 0,
        hostname: `a${i}`,
        resources,
        logger: silentLogger(),
      }),
    );
  }
  await Promise.all(agents.map((a) => a.registered));
  return {
    dir,
    master,
    agents,
    async sandboxFile(executorId, file) {
      // <dir>/<agent>/agents/<id>/frameworks/<fw>/executors/<executor>/runs/<container>/<file>
      for (const entry of await readdir(dir, { recursive: true })) {
        const parts = entry.split(sep);
        const at = parts.lastIndexOf('executors');
        if (at >= 0 && parts[at + 1] === executorId && parts[at + 2] === 'runs' && parts[at + 4] === file) return join(dir, entry);
      }
      return undefined;
    },
    async stop() {
      for (const agent of agents) await agent.stop();
      await master.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
