// End to end, real processes: an agent is SIGKILLed while it runs tasks of two
// frameworks; after the ping timeout its tasks are TASK_UNREACHABLE for the
// PARTITION_AWARE framework and TASK_LOST for the other.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState } from '@tessera/common';
import { startCluster, waitFor, type Cluster } from './cluster.js';
import { closeFrameworks, shellTask, startFramework } from './framework.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster({ agents: 1, agentResources: 'cpus:2;mem:2048', pingIntervalSeconds: 0.2, maxPingTimeouts: 5 });
});

test.after(async () => {
  closeFrameworks();
  await cluster?.stop();
});

test('tasks of a killed agent become UNREACHABLE (partition-aware) or LOST', async () => {
  const aware = startFramework(cluster.grpc, { name: 'e2e-aware', capabilities: ['PARTITION_AWARE'] });
  const plain = startFramework(cluster.grpc, { name: 'e2e-plain' });
  try {
    // One agent, whose free resources go to one framework per cycle: whichever
    // is offered first launches and gives the rest back unfiltered, and DRF
    // offers that rest to the other one next.
    const pending = new Map([
      [aware, 'aware-task'],
      [plain, 'plain-task'],
    ] as const);
    await waitFor('both frameworks to launch', async () => {
      for (const [fw, id] of pending) {
        const [offer] = fw.takeOffers();
        if (!offer) continue;
        // The task outlives the test only briefly if the agent's death orphans it.
        await fw.client.launch([offer.id], [shellTask(id, 'sleep 20', offer)], { refuseSeconds: 0 });
        pending.delete(fw);
      }
      return pending.size === 0;
    });
    await aware.waitForState('aware-task', TaskState.RUNNING);
    await plain.waitForState('plain-task', TaskState.RUNNING);

    cluster.agents[0]!.process.kill('SIGKILL');

    const u1 = await aware.waitForState('aware-task', TaskState.UNREACHABLE, 15_000);
    const u2 = await plain.waitForState('plain-task', TaskState.LOST, 15_000);
    assert.is(u1.agentId, u2.agentId);
    assert.not.ok(aware.updates.some((u) => u.state === TaskState.LOST), 'the partition-aware framework never sees LOST');
    assert.not.ok(plain.updates.some((u) => u.state === TaskState.UNREACHABLE), 'the other never sees UNREACHABLE');

    const s = await waitFor('agent unreachable in /state', async () => {
      const st = await cluster.state();
      return st.agents.find((a: { id: string }) => a.id === u1.agentId)?.state === 'unreachable' ? st : undefined;
    });
    assert.ok(s);
  } finally {
    aware.close();
    plain.close();
  }
});

test.run();
