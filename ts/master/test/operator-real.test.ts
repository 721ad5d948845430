// The operator API and metrics against a real agent and a real task: an
// in-process master, an in-process agent (@tessera/agent, posix containers:
// the task is a real `sleep` process) and an SDK framework. The task's
// RUNNING and, after an operator kill, its KILLED come from the agent; the
// event stream, the tasks page, the metrics and the agent's own /containers
// (whose address the master's agent entry gives) all show it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startAgent, type AgentHandle } from '@tessera/agent';
import { silentLogger } from '@tessera/common';
import { SchedulerClient } from '@tessera/sdk';

import { EventReader, get, post, until } from './operator-support.js';
import { parseWire, startTestMaster, type TestMaster } from './support.js';

let tm: TestMaster | undefined;
let agent: AgentHandle | undefined;
let client: SchedulerClient | undefined;
let reader: EventReader | undefined;
let agentDir = '';

test.after.each(async () => {
  reader?.close();
  client?.close();
  await agent?.stop();
  await tm?.stop();
  if (agentDir) await rm(agentDir, { recursive: true, force: true });
});

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

test('a real task: launched, RUNNING from the agent, killed by the operator — seen by the API, the stream and the metrics', async () => {
  tm = await startTestMaster();
  agentDir = await mkdtemp(join(tmpdir(), 'tessera-operator-agent-'));
  agent = await startAgent({
    master: tm.master.grpcAddress,
    workDir: agentDir,
    port: 0,
    logger: silentLogger(),
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
    containerizers: ['posix'],
    reconnectBackoff: { initialMs: 50, maxMs: 500 },
  });
  const agentId = await agent.registered;
  reader = await EventReader.open(tm, '?types=task');
  assert.is((await reader.events.next(() => true, 'summary')).type, 'summary');

  client = new SchedulerClient({ master: tm.master.grpcAddress, framework: { name: 'operator-real', user: userInfo().username }, autoAcknowledge: true });
  let frameworkId = '';
  let launched = false;
  void (async () => {
    for await (const event of client!.events()) {
      if (event.type === 'subscribed') frameworkId = event.frameworkId;
      if (event.type === 'offers' && !launched) {
        launched = true;
        const offer = event.offers[0]!;
        await client!.launch([offer.id], [{ taskId: 'real-1', name: 'real', agentId: offer.agentId, resources: parseWire('cpus:0.5;mem:64'), command: { value: 'sleep 60', shell: true } }]);
      }
    }
  })().catch(() => undefined);

  const launchedEvent = await reader.events.next((e) => e.data.kind === 'launched', 'launched', 10_000);
  assert.is(launchedEvent.data.task.id, 'real-1');
  const seen = reader.events.items;
  const running = await reader.events.next((e) => e.data.kind === 'updated' && e.data.status.state === 'RUNNING', 'RUNNING', 20_000).catch((err: Error) => {
    throw new Error(`${err.message}; events: ${JSON.stringify(seen)}`);
  });
  assert.is(running.data.task.agentId, agentId);
  assert.is(running.data.status.source, 'EXECUTOR');

  const page = (await get(tm, '/api/v1/tasks?state=RUNNING')).json;
  assert.is(page.total, 1);
  assert.is(page.tasks[0].frameworkId, frameworkId);
  const metrics = (await get(tm, '/metrics')).text;
  assert.is(sample(metrics, 'tessera_master_tasks{state="RUNNING"}'), 1);
  assert.is(sample(metrics, 'tessera_master_resources{resource="cpus",kind="used"}'), 0.5);
  // One lag sample per status the agent sent (STARTING, RUNNING), none for the master's STAGING.
  const fromAgent = (page.tasks[0].statuses as Array<{ source?: string }>).filter((s) => s.source !== 'MASTER').length;
  assert.ok(fromAgent >= 1);
  assert.is(sample(metrics, 'tessera_master_status_update_lag_seconds_count'), fromAgent);

  // The agent's own HTTP API, at the address the master lists for it, has the task's container with a real pid.
  const entry = (await get(tm, '/api/v1/agents')).json.agents[0];
  assert.is(entry.address, agent.httpAddress);
  const containers = (await (await fetch(`http://${entry.address}/containers`)).json()) as Array<{ taskId?: string; pid: number }>;
  const container = containers.find((c) => c.taskId === 'real-1');
  assert.ok(container && container.pid > 0, JSON.stringify(containers));

  const kill = await post(tm, '/api/v1/tasks/kill', { taskId: 'real-1', gracePeriodSeconds: 1 });
  assert.is(kill.status, 200, kill.text);
  const killed = await reader.events.next((e) => e.data.kind === 'updated' && e.data.status.state === 'KILLED', 'KILLED', 20_000);
  assert.is(killed.data.task.id, 'real-1');
  await reader.events.next((e) => e.data.kind === 'completed', 'completed (acknowledged by the framework)', 10_000);
  await until(async () => sample((await get(tm!, '/metrics')).text, 'tessera_master_task_terminal_total{state="KILLED"}') === 1, 'KILLED counted');
  const after = (await get(tm, '/api/v1/state/summary')).json;
  assert.is(after.tasks.total, 0);
  assert.is(after.resources.find((r: { name: string }) => r.name === 'cpus').used, 0);
  assert.is((await get(tm, '/api/v1/tasks?completed=only&state=KILLED')).json.total, 1);
});

test.run();
