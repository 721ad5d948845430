// The agent against a fake master (a test double speaking AgentService): real
// processes, real sandboxes, real checkpoint files.

import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, TaskState, TaskStatus_Reason, silentLogger } from '@tessera/common';

import { startAgent, type AgentHandle } from '../src/index.js';
import { agentIdFile } from '../src/paths.js';
import { FakeMaster } from './fake-master.js';
import { FRAMEWORK, getJson, isTerminalState, shellTask, tempDir, waitFor } from './helpers.js';

const terminal = (u: { status?: { state: TaskState } }) => isTerminalState(u.status?.state);

let master: FakeMaster;
let agent: AgentHandle;
let workDir: string;

test.before(async () => {
  master = await new FakeMaster().start();
  workDir = tempDir();
  agent = await startAgent({
    master: master.address,
    workDir,
    port: 0,
    logger: silentLogger(),
    statusUpdateRetry: { initialMs: 300, maxMs: 1_000 },
    reconnectBackoff: { initialMs: 50, maxMs: 500 },
  });
});

test.after(async () => {
  await agent.stop();
  await master.stop();
});

test('registers and checkpoints its id', async () => {
  const id = await agent.registered;
  assert.is(agent.id, id);
  assert.is(readFileSync(agentIdFile(workDir), 'utf8').trim(), id);
  const hello = master.received[0]!.register!.agentInfo!;
  assert.is(hello.id, '');
  assert.is(hello.address, agent.httpAddress);
  assert.ok(hello.resources.some((r) => r.name === 'cpus' && r.scalar!.value > 0));
});

test('echo hello: STARTING, RUNNING, FINISHED in order, each only after the previous is acknowledged', async () => {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('echo-1', 'echo hello') } });
  const starting = await master.waitForUpdate('echo-1', 1);
  assert.is(starting.status!.state, TaskState.STARTING);
  assert.is(starting.status!.uuid.length, 16);
  assert.is(starting.status!.agentId, agent.id);
  assert.is(starting.status!.executorId, 'echo-1', 'the command executor has the task id');
  // Unacknowledged, the head is resent with the same uuid after the retry interval; nothing newer goes out.
  const resent = await master.waitForUpdate('echo-1', 2, 5_000);
  assert.equal(resent.status!.uuid, starting.status!.uuid);
  assert.is(resent.latestState, TaskState.FINISHED, 'latest_state runs ahead of the update in flight');

  assert.ok(
    master.updates('echo-1').every((u) => u.status!.state === TaskState.STARTING),
    'nothing after STARTING goes out before STARTING is acknowledged',
  );
  master.acknowledge(starting);
  const rest = await master.runToEnd('echo-1', terminal, 15_000, [starting]);
  assert.equal(rest.map((u) => u.status!.state), [TaskState.RUNNING, TaskState.FINISHED]);
  const finished = rest.at(-1)!;
  assert.is(finished.status!.exitCode, 0);

  const executor = agent.state().frameworks[0]!.completedExecutors.find((e) => e.id === 'echo-1')!;
  assert.ok(executor.sandbox.includes(`/agents/${agent.id}/frameworks/fw-1/executors/echo-1/runs/${executor.containerId}`));
  assert.is(readFileSync(`${executor.sandbox}/stdout`, 'utf8'), 'hello\n');
  const read = await getJson(agent.httpAddress, '/files/read?framework_id=fw-1&executor_id=echo-1&path=stdout');
  assert.is(read.status, 200);
  assert.equal(read.body, { data: 'hello\n', offset: 0, size: 6 });
  const sizeOnly = await getJson(agent.httpAddress, '/files/read?framework_id=fw-1&executor_id=echo-1&path=stdout&offset=-1');
  assert.equal(sizeOnly.body, { data: '', offset: 6, size: 6 });
  const part = await getJson(agent.httpAddress, '/files/read?framework_id=fw-1&executor_id=echo-1&path=stdout&offset=1&length=3');
  assert.equal(part.body, { data: 'ell', offset: 1, size: 6 });
});

test('non-zero exit: FAILED with the exit code', async () => {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('fail-1', 'exit 7') } });
  const last = (await master.runToEnd('fail-1', terminal)).at(-1)!;
  assert.is(last.status!.state, TaskState.FAILED);
  assert.is(last.status!.exitCode, 7);
  assert.match(last.status!.message, /exited with status 7/);
});

test('task environment: sandbox, ids and ports', async () => {
  const task = shellTask('env-1', 'echo "$TESSERA_TASK_ID $TESSERA_FRAMEWORK_ID $PORTS $PORT1 $GREETING" && pwd', {
    resources: [{ name: 'ports', ranges: { range: [{ begin: 31000, end: 31001 }] }, reservation: '', revocable: false }],
  });
  task.command!.environment = { variables: [{ name: 'GREETING', value: 'hi' }] };
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  await master.runToEnd('env-1', terminal);
  const executor = agent.state().frameworks[0]!.completedExecutors.find((e) => e.id === 'env-1')!;
  assert.is(readFileSync(`${executor.sandbox}/stdout`, 'utf8'), `env-1 fw-1 31000,31001 31001 hi\n${executor.sandbox}\n`);
});

test('a program that does not exist: FAILED, CONTAINER_LAUNCH_FAILED', async () => {
  const task = shellTask('enoent-1', '');
  task.command = CommandInfo.create({ shell: false, value: 'no-such-program-tessera', arguments: ['no-such-program-tessera'] });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const last = (await master.runToEnd('enoent-1', terminal)).at(-1)!;
  assert.is(last.status!.state, TaskState.FAILED);
  assert.is(last.status!.reason, TaskStatus_Reason.CONTAINER_LAUNCH_FAILED);
  assert.match(last.status!.message, /no-such-program-tessera/);
});

test('argv commands: value is the program, arguments its argv', async () => {
  const task = shellTask('argv-1', '');
  task.command = CommandInfo.create({ shell: false, value: '/bin/echo', arguments: ['echo', 'a b', 'c'] });
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const last = (await master.runToEnd('argv-1', terminal)).at(-1)!;
  assert.is(last.status!.state, TaskState.FINISHED);
  const executor = agent.state().frameworks[0]!.completedExecutors.find((e) => e.id === 'argv-1')!;
  assert.is(readFileSync(`${executor.sandbox}/stdout`, 'utf8'), 'a b c\n');
});

test('kill: a task ignoring SIGTERM is SIGKILLed after the grace period', async () => {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('stubborn-1', "trap '' TERM; sleep 30") } });
  const updates = master.runToEnd('stubborn-1', terminal, 20_000);
  await waitFor('stubborn-1 RUNNING', () => master.updates('stubborn-1').some((u) => u.status!.state === TaskState.RUNNING));
  const killedAt = Date.now();
  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'stubborn-1', killPolicy: { gracePeriodSeconds: 1 } } });
  const last = (await updates).at(-1)!;
  const took = Date.now() - killedAt;
  assert.is(last.status!.state, TaskState.KILLED);
  assert.match(last.status!.message, /SIGKILL/);
  assert.is(last.status!.exitCode, 137);
  assert.ok(took >= 1_000, `SIGKILL only after the 1 s grace (took ${took} ms)`);
  assert.ok(took < 10_000, `and not much later (took ${took} ms)`);
});

test('kill: a task that exits on SIGTERM ends before the grace period', async () => {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('polite-1', 'exec sleep 30', { killPolicy: { gracePeriodSeconds: 20 } }) } });
  const updates = master.runToEnd('polite-1', terminal, 20_000);
  await waitFor('polite-1 RUNNING', () => master.updates('polite-1').some((u) => u.status!.state === TaskState.RUNNING));
  const killedAt = Date.now();
  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'polite-1' } });
  const last = (await updates).at(-1)!;
  assert.is(last.status!.state, TaskState.KILLED);
  assert.match(last.status!.message, /SIGTERM/);
  assert.ok(Date.now() - killedAt < 10_000, 'well before the 20 s grace of its kill policy');
});

test('kill of a task the agent does not know: TASK_LOST with a clear message', async () => {
  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'ghost-1' } });
  const update = await master.waitForUpdate('ghost-1', 1);
  assert.is(update.status!.state, TaskState.LOST);
  assert.is(update.status!.reason, TaskStatus_Reason.TASK_UNKNOWN);
  assert.match(update.status!.message, /does not run/);
  master.acknowledge(update);
});

test('an invalid task: TASK_ERROR naming the field', async () => {
  const task = shellTask('bad-1', 'true');
  task.command!.value = '';
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const update = await master.waitForUpdate('bad-1', 1);
  assert.is(update.status!.state, TaskState.ERROR);
  assert.match(update.status!.message, /task\.command\.value/);
  master.acknowledge(update);
});

test('a task group under the default executor: one process per task, each in its own sandbox', async () => {
  master.send({
    runTaskGroup: {
      frameworkInfo: FRAMEWORK,
      executor: { executorId: 'group-ex', type: 1 } as never,
      taskGroup: { tasks: [shellTask('g-a', 'echo a'), shellTask('g-b', 'echo b')] },
    },
  });
  const [a, b] = await Promise.all([master.runToEnd('g-a', terminal), master.runToEnd('g-b', terminal)]);
  assert.is(a.at(-1)!.status!.state, TaskState.FINISHED);
  assert.is(b.at(-1)!.status!.state, TaskState.FINISHED);
  const executor = await waitFor('group executor completed', () =>
    agent.state().frameworks[0]!.completedExecutors.find((e) => e.id === 'group-ex'),
  );
  assert.is(readFileSync(`${executor.sandbox}/tasks/g-a/stdout`, 'utf8'), 'a\n');
  const read = await getJson(agent.httpAddress, '/files/read?framework_id=fw-1&executor_id=group-ex&path=tasks/g-b/stdout');
  assert.is(read.body.data, 'b\n');
  await waitFor('ExecutorExited', () => master.received.some((m) => m.executorExited?.executorId === 'group-ex'));
});

test('killing one task of a group kills the group; ShutdownFramework kills everything of a framework', async () => {
  const other = { ...FRAMEWORK, id: 'fw-2' };
  master.send({
    runTaskGroup: {
      frameworkInfo: other,
      executor: { executorId: 'pod', type: 1 } as never,
      taskGroup: { tasks: [shellTask('pod-a', 'exec sleep 30'), shellTask('pod-b', 'exec sleep 30')] },
    },
  });
  master.send({ runTask: { frameworkInfo: other, task: shellTask('solo', 'exec sleep 30') } });
  const pod = Promise.all([master.runToEnd('pod-a', terminal), master.runToEnd('pod-b', terminal)]);
  const solo = master.runToEnd('solo', terminal);
  await waitFor('all RUNNING', () =>
    ['pod-a', 'pod-b', 'solo'].every((id) => master.updates(id).some((u) => u.status!.state === TaskState.RUNNING)),
  );
  master.send({ killTask: { frameworkId: 'fw-2', taskId: 'pod-a', killPolicy: { gracePeriodSeconds: 0 } } });
  const [a, b] = await pod;
  assert.is(a.at(-1)!.status!.state, TaskState.KILLED);
  assert.is(b.at(-1)!.status!.state, TaskState.KILLED, 'its sibling goes with it');
  assert.is(master.updates('solo').at(-1)!.status!.state, TaskState.RUNNING, 'other executors are untouched');
  master.send({ shutdownFramework: { frameworkId: 'fw-2' } });
  assert.is((await solo).at(-1)!.status!.state, TaskState.KILLED);
});

test('acknowledged terminal updates leave no checkpoint behind', async () => {
  await waitFor('echo-1 checkpoint removed', () => !existsSync(`${workDir}/meta/frameworks/fw-1/tasks/echo-1`));
});

test('/state and /health', async () => {
  const health = await getJson(agent.httpAddress, '/health');
  assert.equal(health, { status: 200, body: { ok: true } });
  const state = await getJson(agent.httpAddress, '/state');
  assert.is(state.body.id, agent.id);
  assert.is(state.body.address, agent.httpAddress);
  assert.is(state.body.master, master.address);
  assert.ok(state.body.resources.some((r: { name: string }) => r.name === 'mem'));
});

test.run();
