// End to end, real processes: a framework launches 100 tasks across 3 agents;
// every task reaches FINISHED, every update is acknowledged, and the master
// ends with no live task and 100 completed ones.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState } from '@tessera/common';
import { planLaunches } from '@tessera/sdk';
import { startCluster, waitFor, type Cluster } from './cluster.js';
import { closeFrameworks, startFramework } from './framework.js';

let cluster: Cluster;

test.before(async () => {
  // 0.1 cpus a task and 4 cpus an agent: 100 tasks need all three agents.
  cluster = await startCluster({ agents: 3, agentResources: 'cpus:4;mem:4096;disk:1024;ports:[31000-31999]' });
});

test.after(async () => {
  closeFrameworks();
  await cluster?.stop();
});

test('100 tasks across 3 agents all reach FINISHED and are acknowledged', async () => {
  const fw = startFramework(cluster.grpc, { name: 'e2e-launch-100' });
  let launched = 0;
  const total = 100;
  await waitFor(
    '100 tasks launched',
    async () => {
      const offers = fw.takeOffers();
      if (offers.length === 0) return launched >= total;
      const plan = planLaunches(offers, [
        {
          idPrefix: `batch${launched}`,
          count: total - launched,
          resources: 'cpus:0.1;mem:16',
          command: { value: 'echo "task $TESSERA_TASK_ID on $TESSERA_AGENT_ID"', shell: true, arguments: [], uris: [], user: '' },
        },
      ]);
      const used = new Set<string>();
      for (const l of plan.launches) {
        await fw.client.launch(l.offerIds, l.tasks, { refuseSeconds: 0 });
        l.offerIds.forEach((id) => used.add(id));
        launched += l.tasks.length;
      }
      const rest = offers.map((o) => o.id).filter((id) => !used.has(id));
      if (rest.length) await fw.client.decline(rest, { refuseSeconds: 0 });
      return launched >= total;
    },
    30_000,
  );
  assert.is(launched, total);

  const finished = await waitFor(
    'all 100 FINISHED',
    () => {
      const done = new Set(fw.updates.filter((u) => u.state === TaskState.FINISHED).map((u) => u.taskId));
      return done.size === total ? done : undefined;
    },
    60_000,
  );
  assert.is(finished.size, total);
  assert.not.ok(fw.updates.some((u) => u.state === TaskState.FAILED || u.state === TaskState.LOST), 'no task failed or was lost');

  const agentsUsed = new Set(fw.updates.filter((u) => u.state === TaskState.FINISHED).map((u) => u.agentId));
  assert.is(agentsUsed.size, 3, 'the tasks ran on all three agents');

  // Acknowledged: the master moves a task to completedTasks once it is
  // terminal and its last update was acknowledged.
  const frameworkId = fw.frameworkId();
  const state = await waitFor(
    'master to hold 100 completed tasks',
    async () => {
      const s = await cluster.state();
      const mine = (s.completedTasks as Array<{ frameworkId: string; state: string }>).filter((t) => t.frameworkId === frameworkId);
      const live = (s.tasks as Array<{ frameworkId: string }>).filter((t) => t.frameworkId === frameworkId);
      return mine.length === total && live.length === 0 ? s : undefined;
    },
    30_000,
  );
  for (const t of state.completedTasks.filter((t: { frameworkId: string }) => t.frameworkId === frameworkId)) {
    assert.is(t.state, 'FINISHED');
  }
  // Every agent's resources are free again.
  for (const a of state.agents) assert.equal(a.used.filter((r: { scalar?: number }) => (r.scalar ?? 0) > 0), [], `agent ${a.hostname} has nothing in use`);
  await fw.client.teardown();
  fw.close();
});

test.run();
