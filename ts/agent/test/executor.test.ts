// Custom executors: a real executor process (test/fixtures/echo-executor.ts,
// run with node) dials the agent's ExecutorService; a fake master (test
// double) drives the agent.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { credentials, type ClientReadableStream } from '@grpc/grpc-js';
import {
  CLIENT_OPTIONS,
  CommandInfo,
  ExecutorInfo,
  ExecutorInfo_Type,
  ExecutorServiceClient,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatus_Reason,
  TaskStatus_Source,
  newUpdateUuid,
  silentLogger,
  type ExecutorEvent,
} from '@tessera/common';

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

test('re-subscription: launches the executor has are not resent; its unacknowledged updates are taken once', async () => {
  // The executor process just sleeps; the test speaks ExecutorService for it.
  const command = CommandInfo.create({ shell: true, value: 'exec sleep 30' });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: customTask('resub-1', 'manual-ex', command) } });
  await waitFor('manual-ex started', () => agent.state().frameworks[0]!.executors.some((e) => e.id === 'manual-ex'));
  const client = new ExecutorServiceClient(agent.executorAddress, credentials.createInsecure(), CLIENT_OPTIONS);
  const request = { frameworkId: FRAMEWORK.id, executorId: 'manual-ex', unacknowledgedTasks: [] as TaskInfo[], unacknowledgedUpdates: [] as TaskStatus[] };
  const first = collect(client.subscribe(request));
  const launched = await waitFor('Launch', () => first.events.find((e) => e.launch)?.launch?.task);
  assert.ok(first.events[0]!.subscribed, 'Subscribed comes first');
  first.stream.cancel();

  // RUNNING sent while "disconnected" never reached the agent: it rides on the re-subscription.
  const running = TaskStatus.create({ taskId: 'resub-1', state: TaskState.RUNNING, uuid: newUpdateUuid() });
  const second = collect(client.subscribe({ ...request, unacknowledgedTasks: [launched], unacknowledgedUpdates: [running] }));
  await waitFor('Subscribed again', () => second.events.some((e) => e.subscribed));
  const update = await master.waitForUpdate('resub-1', 1);
  assert.equal(update.status!.uuid, running.uuid);
  assert.is(update.status!.state, TaskState.RUNNING);
  master.acknowledge(update);
  const acked = await waitFor('Acknowledged', () => second.events.find((e) => e.acknowledged)?.acknowledged);
  assert.equal(Buffer.from(acked.uuid), running.uuid);
  assert.not.ok(second.events.some((e) => e.launch), 'the task it has is not launched again');

  // Unknown executors and bad updates are refused with a status naming the field.
  const bad = await new Promise<Error | null>((resolve) =>
    client.update({ frameworkId: FRAMEWORK.id, executorId: 'manual-ex', status: TaskStatus.create({ taskId: 'resub-1', state: TaskState.FINISHED, uuid: Buffer.alloc(3) }) }, (err) => resolve(err)),
  );
  assert.match(bad!.message, /update\.status\.uuid: must be 16 bytes/);
  const unknown = await new Promise<Error | null>((resolve) =>
    client.message({ frameworkId: FRAMEWORK.id, executorId: 'nobody', data: Buffer.alloc(0) }, (err) => resolve(err)),
  );
  assert.match(unknown!.message, /NOT_FOUND|no executor 'nobody'/);

  second.stream.cancel();
  client.close();
  master.send({ shutdownExecutor: { frameworkId: FRAMEWORK.id, executorId: 'manual-ex' } });
  await waitFor('manual-ex gone', () => master.received.some((m) => m.executorExited?.executorId === 'manual-ex'), 10_000);
});

function collect(stream: ClientReadableStream<ExecutorEvent>) {
  const events: ExecutorEvent[] = [];
  stream.on('data', (event: ExecutorEvent) => events.push(event));
  stream.on('error', () => undefined); // cancelled by the test
  return { stream, events };
}

test.run();
