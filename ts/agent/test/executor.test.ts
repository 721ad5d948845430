// Custom executors: a real executor process (test/fixtures/echo-executor.ts,
// run with node) dials the agent's ExecutorService; a fake master (test
// double) drives the agent.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, ExecutorInfo, ExecutorInfo_Type, TaskInfo, TaskState, TaskStatus_Reason, TaskStatus_Source, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, isTerminalState, tempDir, waitFor } from './helpers.js';

const terminal = (u: { status?: { state: TaskState } }) => isTerminalState(u.status?.state);
const fixture = fileURLToPath(new URL('./fixtures/echo-executor.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

let master: FakeMaster;
let agent: AgentHandle;

test.before(async () => {
  master = await new FakeMaster().start();
  agent = await startAgent({
    master: master.address,
    workDir: tempDir(),
    port: 0,
    logger: silentLogger(),
    statusUpdateRetry: { initialMs: 500, maxMs: 2_000 },
    defaultKillGraceSeconds: 5,
  });
  await agent.registered;
});

test.after(async () => {
  await agent.stop();
  await master.stop();
});

function customTask(taskId: string, executorId: string, command: CommandInfo): TaskInfo {
  return TaskInfo.create({
    taskId,
    name: taskId,
    executor: ExecutorInfo.create({ type: ExecutorInfo_Type.CUSTOM, executorId, frameworkId: FRAMEWORK.id, command }),
  });
}

test('a custom executor subscribes, gets Launch, and its RUNNING and FINISHED reach the master', async () => {
  const command = CommandInfo.create({ value: process.execPath, arguments: ['node', '--import', tsx, fixture] });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: customTask('custom-1', 'echo-ex', command) } });
  const updates = await master.runToEnd('custom-1', terminal, 20_000);
  assert.equal(updates.map((u) => u.status!.state), [TaskState.RUNNING, TaskState.FINISHED]);
  for (const u of updates) {
    assert.is(u.status!.source, TaskStatus_Source.EXECUTOR);
    assert.is(u.status!.executorId, 'echo-ex');
    assert.is(u.status!.agentId, agent.id);
    assert.match(u.status!.message, /echo-executor says/);
  }
  const message = await waitFor('framework message', () => master.received.find((m) => m.frameworkMessage)?.frameworkMessage);
  assert.is(message.executorId, 'echo-ex');
  assert.is(Buffer.from(message.data).toString(), 'hello from custom-1');

  // scheduler → executor messages arrive as Message events (the fixture prints them)
  master.send({ frameworkMessage: { frameworkId: FRAMEWORK.id, executorId: 'echo-ex', data: Buffer.from('ping') } });
  const executor = agent.state().frameworks[0]!.executors.find((e) => e.id === 'echo-ex')!;
  await waitFor('message in stdout', () => readFileSync(`${executor.sandbox}/stdout`, 'utf8').includes('message: ping'));
  assert.match(readFileSync(`${executor.sandbox}/stdout`, 'utf8'), `subscribed to agent ${agent.id}`);

  // Shutdown: the executor exits on the event, well inside the 5 s grace.
  master.send({ shutdownExecutor: { frameworkId: FRAMEWORK.id, executorId: 'echo-ex' } });
  const exited = await waitFor('ExecutorExited', () => master.received.find((m) => m.executorExited?.executorId === 'echo-ex'), 4_000);
  assert.is(exited.executorExited!.status, 0);
});

test('an executor that exits leaves its unfinished tasks FAILED with EXECUTOR_TERMINATED', async () => {
  const command = CommandInfo.create({ shell: true, value: 'exit 3' });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: customTask('orphan-1', 'quitter', command) } });
  const last = (await master.runToEnd('orphan-1', terminal)).at(-1)!;
  assert.is(last.status!.state, TaskState.FAILED);
  assert.is(last.status!.reason, TaskStatus_Reason.EXECUTOR_TERMINATED);
  assert.match(last.status!.message, /exited with status 3/);
  const exited = await waitFor('ExecutorExited', () => master.received.find((m) => m.executorExited?.executorId === 'quitter'));
  assert.is(exited.executorExited!.status, 3);
});

test('a kill of a task queued for an executor that has not subscribed: KILLED at once', async () => {
  const command = CommandInfo.create({ shell: true, value: 'exec sleep 30' });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: customTask('queued-1', 'sleeper', command) } });
  await waitFor('sleeper started', () => agent.state().frameworks[0]!.executors.some((e) => e.id === 'sleeper'));
  master.send({ killTask: { frameworkId: FRAMEWORK.id, taskId: 'queued-1' } });
  const last = (await master.runToEnd('queued-1', terminal)).at(-1)!;
  assert.is(last.status!.state, TaskState.KILLED);
  master.send({ shutdownExecutor: { frameworkId: FRAMEWORK.id, executorId: 'sleeper' } });
  await waitFor('sleeper gone', () => master.received.some((m) => m.executorExited?.executorId === 'sleeper'), 10_000);
});

test.run();
