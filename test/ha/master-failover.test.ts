// Master failover in one process, on a real 3-server ensemble: two masters
// started with --zk, a real agent and a framework that both find the leader
// through ZooKeeper. The standby points at the leader (gRPC and HTTP); when
// the leader goes, the standby leads from the registry in ZooKeeper, the
// agent re-registers with its running task, the framework re-subscribes with
// its id, and reconciliation reports the task RUNNING — nothing was killed.
// (Killing master processes with SIGKILL is in the process harness's
// scenarios; this covers the wiring.)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startAgent, type AgentHandle } from '../../ts/agent/src/index.ts';
import { TaskState, createLogger } from '../../ts/common/src/index.ts';
import { startMaster, type MasterHandle } from '../../ts/master/src/index.ts';
import { closeFrameworks, shellTask, startFramework } from '../e2e/framework.ts';
import { ZkEnsemble } from './zk-ensemble.ts';
import { until, withTimeout } from './util.ts';

let zk: ZkEnsemble;
let dir: string;
const masters: MasterHandle[] = [];
let agent: AgentHandle | undefined;
const logger = createLogger('test', { level: process.env.TESSERA_TEST_LOG ?? 'silent' });

test.before(async () => {
  zk = await ZkEnsemble.start();
  dir = mkdtempSync(join(tmpdir(), 'tessera-failover-'));
});

test.after(async () => {
  closeFrameworks();
  await agent?.stop().catch(() => undefined);
  for (const m of masters) await m.stop().catch(() => undefined);
  await zk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function master(n: number, url: string): Promise<MasterHandle> {
  const m = await startMaster({
    workDir: join(dir, `master-${n}`),
    port: 0,
    httpPort: 0,
    zk: url,
    zkSessionTimeoutSeconds: 4,
    agentPingIntervalSeconds: 0.5,
    frameworkHeartbeatSeconds: 1,
    logger: logger.child({ master: n }),
  });
  masters.push(m);
  return m;
}

test('standby redirects, the leader fails, the standby leads with the agent and framework back and the task still RUNNING', async () => {
  const url = zk.url('/tessera-failover');
  const first = await master(1, url);
  await withTimeout(first.elected, 15_000, 'the first master to lead');
  const second = await master(2, url);
  assert.ok(first.leading());
  assert.not.ok(second.leading());

  // The standby's HTTP: /health says who leads; anything else is a 307 there.
  await until(async () => ((await (await fetch(`http://${second.httpAddress}/health`)).json()) as { leader?: string }).leader === first.grpcAddress, 10_000, 'the standby to detect the leader');
  const redirect = await fetch(`http://${second.httpAddress}/state`, { redirect: 'manual' });
  assert.is(redirect.status, 307);
  assert.is(redirect.headers.get('location'), `http://${first.httpAddress}/state`);
  // Its own metrics, not the leader's: a scrape of every master shows which one leads.
  assert.match(await (await fetch(`http://${second.httpAddress}/metrics`)).text(), /^tessera_master_leading 0$/m);
  assert.match(await (await fetch(`http://${first.httpAddress}/metrics`)).text(), /^tessera_master_leading 1$/m);

  agent = await startAgent({ master: url, workDir: join(dir, 'agent'), port: 0, resources: 'cpus:2;mem:1024;disk:1024', logger: logger.child({ agent: 1 }), containerizers: ['posix'] });
  const agentId = await withTimeout(agent.registered, 15_000, 'agent registration through ZooKeeper');

  const fw = startFramework(url, { name: 'failover', user: 'root', roles: ['*'], failoverTimeoutSeconds: 60, capabilities: ['PARTITION_AWARE'] });
  const [offer] = await fw.waitForOffers(1);
  await fw.client.launch([offer!.id], [shellTask('long', 'sleep 120', offer!)], { refuseSeconds: 0 });
  await fw.waitForState('long', TaskState.RUNNING);
  const subscribedBefore = fw.subscribed;

  // The leader goes (its session closes, so its election node goes at once).
  const lostAt = performance.now();
  await first.stop();
  await withTimeout(second.elected, 15_000, 'the standby to lead');
  const electedMs = performance.now() - lostAt;

  // The agent re-registers with the new leader, keeping its id and its task.
  await until(() => {
    try {
      const a = second.state().agents.find((x) => x.id === agentId);
      return a?.state === 'active';
    } catch {
      return false;
    }
  }, 20_000, 'the agent to re-register with the new leader');
  await until(() => fw.subscribed > subscribedBefore, 20_000, 'the framework to re-subscribe');
  const frameworkBackMs = performance.now() - lostAt;
  assert.is(fw.frameworkId(), second.state().frameworks[0]?.id, 'the same framework id');

  const task = second.state().tasks.find((t) => t.id === 'long');
  assert.ok(task, 'the new leader knows the task from the agent');
  assert.is(task!.state, 'RUNNING');

  const seen = fw.updates.length;
  await fw.client.reconcile([{ taskId: 'long', agentId }]);
  await until(() => fw.updates.slice(seen).some((u) => u.taskId === 'long'), 10_000, 'the reconciliation answer');
  const answer = fw.updates.slice(seen).find((u) => u.taskId === 'long')!;
  assert.is(answer.state, TaskState.RUNNING, 'reconciliation reports the task RUNNING');
  assert.not.ok(
    fw.updates.some((u) => u.taskId === 'long' && [TaskState.KILLED, TaskState.LOST, TaskState.FAILED, TaskState.FINISHED].includes(u.state)),
    'the task was never reported ended',
  );
  console.log(`  leader lost → standby elected: ${Math.round(electedMs)} ms; → framework re-subscribed: ${Math.round(frameworkBackMs)} ms`);
});

test.run();
