// End to end: a custom executor built on ExecutorClient (examples/echo-executor.ts,
// a real node process the agent starts) under a framework built on
// SchedulerClient, with a real in-process master and agent.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ExecutorInfo_Type, TaskState, silentLogger } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { SchedulerClient } from '../src/scheduler/client.js';
import { nextOf, nextOfType, waitFor } from './fakes/wait.js';
import { startCluster, type Cluster } from './support/cluster.js';

const executorScript = fileURLToPath(new URL('../examples/echo-executor.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster(1);
});

test.after(async () => {
  await cluster.stop();
});

test('a custom executor on ExecutorClient runs two tasks to FINISHED and messages the scheduler', async () => {
  const client = new SchedulerClient({ master: cluster.master.grpcAddress, framework: { name: 'echo' }, logger: silentLogger() });
  try {
    const events = client.events()[Symbol.asyncIterator]();
    await nextOfType(events, 'subscribed');
    const offers = await nextOfType(events, 'offers');
    const offer = offers.offers[0]!;
    const executor = {
      type: ExecutorInfo_Type.CUSTOM,
      executorId: 'echo-ex',
      name: 'echo',
      command: { value: process.execPath, arguments: ['node', '--import', tsx, executorScript] },
      resources: [
        { name: 'cpus', scalar: { value: 0.1 } },
        { name: 'mem', scalar: { value: 64 } },
      ],
    };
    const task = (taskId: string) => ({
      taskId,
      name: taskId,
      executor,
      resources: [{ name: 'cpus', scalar: { value: 0.1 } }],
    });
    await client.launch([offer.id], [task('echo-1'), task('echo-2')]);

    // Take events until both tasks FINISHED and both executor messages arrived.
    const finished = new Set<string>();
    const messages: string[] = [];
    const deadline = Date.now() + 20_000;
    while (finished.size < 2 || messages.length < 2) {
      const e = await nextOf(events, Math.max(1, deadline - Date.now()));
      if (e.type === 'update') {
        assert.ok(e.status.state === TaskState.RUNNING || e.status.state === TaskState.FINISHED, TaskState[e.status.state]);
        if (e.status.state === TaskState.FINISHED) finished.add(e.status.taskId);
      }
      if (e.type === 'message') messages.push(e.data.toString());
    }
    assert.equal([...finished].sort(), ['echo-1', 'echo-2']);
    assert.equal(messages.sort(), ['hello from echo-1', 'hello from echo-2']);

    // Scheduler -> executor: the executor prints it to its sandbox stdout.
    await client.message(offer.agentId, 'echo-ex', 'ping');
    const stdout = await cluster.sandboxFile('echo-ex', 'stdout');
    assert.ok(stdout, 'the executor has a sandbox');
    let text = '';
    await waitFor('the message in the executor stdout', () => {
      text = readFileSync(stdout, 'utf8');
      return text.includes('message: ping');
    }, 10_000);
    assert.match(text, /subscribed to agent /);
    await client.teardown();
  } finally {
    client.close();
  }
});

test.run();
