// The master's batched acknowledgements (MasterMessage.acknowledgements): each
// entry is handled exactly as an `acknowledge` of its own, in order; an entry
// naming no update in flight is ignored as the single form is. Against the fake
// master (a test double speaking AgentService), real processes and checkpoints.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, isTerminalState, shellTask, tempDir } from './helpers.js';

const terminal = (u: { status?: { state: TaskState } }) => isTerminalState(u.status?.state);

let master: FakeMaster;
let agent: AgentHandle;

test.before(async () => {
  master = await new FakeMaster().start();
  agent = await startAgent({
    master: master.address,
    workDir: tempDir(),
    port: 0,
    logger: silentLogger(),
    // Long enough that no resend muddles the counts below.
    statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 },
    reconnectBackoff: { initialMs: 50, maxMs: 500 },
  });
  await agent.registered;
});

test.after(async () => {
  await agent.stop();
  await master.stop();
});

test('one acknowledgements message acknowledges each task it names; a stale entry is ignored', async () => {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('batch-a', 'true') } });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('batch-b', 'true') } });
  const a = await master.waitForUpdate('batch-a', 1);
  const b = await master.waitForUpdate('batch-b', 1);
  assert.is(a.status!.state, TaskState.STARTING);
  assert.is(b.status!.state, TaskState.STARTING);

  master.send({
    acknowledgements: {
      acknowledgements: [
        { frameworkId: a.frameworkId, taskId: 'batch-a', uuid: a.status!.uuid },
        { frameworkId: b.frameworkId, taskId: 'batch-b', uuid: Buffer.alloc(16, 7) }, // names no update in flight
        { frameworkId: 'no-such-framework', taskId: 'batch-z', uuid: Buffer.alloc(16, 8) }, // unknown task
        { frameworkId: b.frameworkId, taskId: 'batch-b', uuid: b.status!.uuid },
      ],
    },
  });
  // Each acknowledged head lets the next update go: RUNNING of both.
  const a2 = await master.waitForUpdate('batch-a', 2);
  const b2 = await master.waitForUpdate('batch-b', 2);
  assert.is(a2.status!.state, TaskState.RUNNING);
  assert.is(b2.status!.state, TaskState.RUNNING);

  // The rest, acknowledged in the single form, still completes both.
  const restA = await master.runToEnd('batch-a', terminal, 15_000, [a]);
  const restB = await master.runToEnd('batch-b', terminal, 15_000, [b]);
  assert.equal(restA.map((u) => u.status!.state), [TaskState.RUNNING, TaskState.FINISHED]);
  assert.equal(restB.map((u) => u.status!.state), [TaskState.RUNNING, TaskState.FINISHED]);
});

test.run();
