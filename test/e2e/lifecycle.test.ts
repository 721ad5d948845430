// End to end, real processes: kill with a grace period, decline with a filter
// then revive, and scheduler failover inside and past failover_timeout.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskState } from '@tessera/common';
import { startCluster, waitFor, type Cluster } from './cluster.js';
import { closeFrameworks, shellTask, startFramework } from './framework.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster({ agents: 2, agentResources: 'cpus:2;mem:2048;disk:1024' });
});

test.after(async () => {
  closeFrameworks();
  await cluster?.stop();
});

test('kill: a task ignoring SIGTERM is SIGKILLed after the grace period; one that obeys ends at once', async () => {
  const fw = startFramework(cluster.grpc, { name: 'e2e-kill' });
  const [offer] = await fw.waitForOffers(1);
  fw.takeOffers();
  await fw.client.launch(
    [offer!.id],
    [
      shellTask('stubborn', "trap '' TERM; sleep 60", offer!, 'cpus:0.1;mem:16'),
      shellTask('obedient', 'sleep 60', offer!, 'cpus:0.1;mem:16'),
    ],
    { refuseSeconds: 0 },
  );
  await fw.waitForState('stubborn', TaskState.RUNNING);
  await fw.waitForState('obedient', TaskState.RUNNING);

  const grace = 1.5;
  const t0 = Date.now();
  await fw.client.kill('stubborn', offer!.agentId, { gracePeriodSeconds: grace });
  await fw.client.kill('obedient', offer!.agentId, { gracePeriodSeconds: 20 });
  const obedient = await fw.waitForState('obedient', TaskState.KILLED);
  const obedientMs = Date.now() - t0;
  const stubborn = await fw.waitForState('stubborn', TaskState.KILLED);
  const stubbornMs = Date.now() - t0;
  assert.ok(stubbornMs >= grace * 1000, `stubborn task outlived SIGTERM for the grace period (${stubbornMs} ms)`);
  // The obedient task dies on SIGTERM, long before its 20 s grace.
  assert.ok(obedientMs < 15_000, `obedient task ended on SIGTERM (${obedientMs} ms)`);
  assert.is(obedient.taskId, 'obedient');
  assert.is(stubborn.taskId, 'stubborn');
  await fw.client.teardown();
  fw.close();
});

test('decline with a filter keeps the agent away; revive brings it back', async () => {
  const fw = startFramework(cluster.grpc, { name: 'e2e-filters' });
  const first = await fw.waitForOffers(2);
  const agents = new Set(first.map((o) => o.agentId));
  assert.is(agents.size, 2);
  fw.takeOffers();
  const before = fw.offerEvents;
  await fw.client.decline(first.map((o) => o.id), { refuseSeconds: 3600 });
  // Declining triggers an allocation; the filter must keep both agents out of it.
  await new Promise((r) => setTimeout(r, 1500));
  assert.is(fw.offerEvents, before, 'no offers while the filter holds');
  assert.is(fw.offers.size, 0);

  await fw.client.revive();
  const again = await fw.waitForOffers(2, 10_000);
  assert.equal(new Set(again.map((o) => o.agentId)), agents, 'both agents are offered again after revive');
  await fw.client.teardown();
  fw.close();
});

test('a scheduler that re-subscribes within failover_timeout gets the updates it missed', async () => {
  const fw = startFramework(cluster.grpc, { name: 'e2e-failover', failoverTimeoutSeconds: 60 });
  const [offer] = await fw.waitForOffers(1);
  fw.takeOffers();
  await fw.client.launch([offer!.id], [shellTask('short', 'sleep 2', offer!)], { refuseSeconds: 0 });
  await fw.waitForState('short', TaskState.RUNNING);
  const frameworkId = fw.frameworkId()!;
  fw.close();
  await fw.done;

  // The task finishes while no scheduler is connected.
  await waitFor('task to finish on the agent', async () => {
    const s = await cluster.state();
    const t = [...s.tasks, ...s.completedTasks].find((x: { id: string }) => x.id === 'short');
    return t?.state === 'FINISHED';
  });
  const s = await cluster.state();
  const me = s.frameworks.find((f: { id: string }) => f.id === frameworkId);
  assert.ok(me, 'the framework is still registered while inside its failover timeout');
  assert.is(me.connected, false);

  const back = startFramework(cluster.grpc, { name: 'e2e-failover', failoverTimeoutSeconds: 60, id: frameworkId });
  const finished = await back.waitForState('short', TaskState.FINISHED, 20_000);
  assert.ok(finished.uuid.length > 0, 'the missed update carries its uuid, to be acknowledged');
  assert.is(back.frameworkId(), frameworkId);
  await back.client.teardown();
  back.close();
});

test('a scheduler gone past failover_timeout is torn down and its tasks killed', async () => {
  const fw = startFramework(cluster.grpc, { name: 'e2e-expire', failoverTimeoutSeconds: 1 });
  const [offer] = await fw.waitForOffers(1);
  fw.takeOffers();
  await fw.client.launch([offer!.id], [shellTask('orphan', 'sleep 60', offer!)], { refuseSeconds: 0 });
  await fw.waitForState('orphan', TaskState.RUNNING);
  const frameworkId = fw.frameworkId()!;
  fw.close();
  await fw.done;

  const s = await waitFor(
    'framework torn down and its task killed',
    async () => {
      const st = await cluster.state();
      const gone = st.completedFrameworks.some((f: { id: string }) => f.id === frameworkId);
      const task = st.completedTasks.find((t: { id: string; frameworkId: string }) => t.id === 'orphan' && t.frameworkId === frameworkId);
      return gone && task && task.state === 'KILLED' ? st : undefined;
    },
    20_000,
  );
  assert.not.ok(s.frameworks.some((f: { id: string }) => f.id === frameworkId));
  assert.not.ok(s.tasks.some((t: { frameworkId: string }) => t.frameworkId === frameworkId));
});

test.run();
