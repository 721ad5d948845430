// The status update manager on its own: a recording `send` stands in for the
// master stream (a test double), the checkpoint files and their fsyncs are
// real (the group-commit tests wrap fs.fsync only to count and order them).

import { existsSync, fsync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TaskState, TaskStatus, newUpdateUuid, silentLogger, type AgentMessage_StatusUpdate } from '@tessera/common';

import { taskUpdatesFile } from '../src/paths.js';
import { StatusUpdateManager } from '../src/status-updates/manager.js';
import { tempDir, waitFor } from './helpers.js';

function status(taskId: string, state: TaskState): TaskStatus {
  return TaskStatus.create({ taskId, state, uuid: newUpdateUuid(), timestamp: Date.now() / 1000 });
}

function recordingManager(workDir: string, retry = { initialMs: 50, maxMs: 200 }) {
  const sent: AgentMessage_StatusUpdate[] = [];
  const acked: TaskStatus[] = [];
  // Every event in order: 'fsync:<file>' when an fsync completes, 'send:<taskId>:<state>' per send.
  const events: string[] = [];
  const manager = new StatusUpdateManager({
    workDir,
    logger: silentLogger(),
    retry,
    send: (update) => (sent.push(update), events.push(`send:${update.status!.taskId}:${update.status!.state}`), true),
    onAcknowledged: (_fw, s) => acked.push(s),
    fsync: (fd, done) =>
      fsync(fd, (err) => {
        events.push('fsync');
        done(err);
      }),
  });
  return { manager, sent, acked, events };
}

test('only the head is in flight; the next goes after its acknowledgement', async () => {
  const { manager, sent, acked } = recordingManager(tempDir(), { initialMs: 60_000, maxMs: 60_000 });
  const running = status('t1', TaskState.RUNNING);
  const finished = status('t1', TaskState.FINISHED);
  manager.update('fw', running);
  manager.update('fw', finished);
  assert.is(sent.length, 0, 'nothing is sent before it is on disk');
  await manager.flushed();
  assert.is(sent.length, 1);
  assert.equal(sent[0]!.status!.uuid, running.uuid);
  // both were queued before the first send (group commit): latest_state is already FINISHED
  assert.is(sent[0]!.latestState, TaskState.FINISHED);
  // a resend (as on reconnect) carries latest_state ahead of the update in flight
  manager.resendAll();
  assert.is(sent.length, 2);
  assert.equal(sent[1]!.status!.uuid, running.uuid);
  assert.is(sent[1]!.latestState, TaskState.FINISHED);
  assert.not.ok(manager.acknowledge('fw', 't1', finished.uuid), 'an ack of a non-head update is ignored');
  assert.ok(manager.acknowledge('fw', 't1', running.uuid));
  assert.is(sent.length, 3);
  assert.equal(sent[2]!.status!.uuid, finished.uuid);
  assert.equal(acked.map((s) => s.state), [TaskState.RUNNING]);
  manager.stop();
});

test('an unacknowledged head is resent with the same uuid, backing off', async () => {
  const { manager, sent } = recordingManager(tempDir(), { initialMs: 40, maxMs: 80 });
  const running = status('t1', TaskState.RUNNING);
  manager.update('fw', running);
  await waitFor('three sends', () => sent.length >= 3, 5_000);
  for (const update of sent) assert.equal(update.status!.uuid, running.uuid);
  manager.stop();
});

test('updates after a terminal one and duplicate uuids are refused', async () => {
  const { manager, sent } = recordingManager(tempDir(), { initialMs: 60_000, maxMs: 60_000 });
  const failed = status('t1', TaskState.FAILED);
  assert.ok(manager.update('fw', failed));
  assert.not.ok(manager.update('fw', failed), 'duplicate uuid');
  assert.not.ok(manager.update('fw', status('t1', TaskState.RUNNING)), 'after terminal');
  await manager.flushed();
  assert.is(sent.length, 1);
  manager.stop();
});

test('a restarted manager reloads unacknowledged updates from disk and resends them in order', async () => {
  const workDir = tempDir();
  const first = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const starting = status('t1', TaskState.STARTING);
  const running = status('t1', TaskState.RUNNING);
  const finished = status('t1', TaskState.FINISHED);
  for (const s of [starting, running, finished]) first.manager.update('fw', s);
  await first.manager.flushed();
  first.manager.acknowledge('fw', 't1', starting.uuid);
  first.manager.stop();

  const second = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  second.manager.recover();
  assert.is(second.sent.length, 0, 'nothing is sent before the agent is registered');
  second.manager.resendAll();
  assert.is(second.sent.length, 1);
  assert.equal(second.sent[0]!.status!.uuid, running.uuid);
  assert.is(second.sent[0]!.latestState, TaskState.FINISHED);
  second.manager.acknowledge('fw', 't1', running.uuid);
  assert.equal(second.sent[1]!.status!.uuid, finished.uuid);
  second.manager.acknowledge('fw', 't1', finished.uuid);
  // all acknowledged and terminal: the task's log is gone
  assert.not.ok(existsSync(taskUpdatesFile(workDir, 'fw', 't1')));
  second.manager.stop();
});

test('the checkpoint holds update and ack records, written before sending', async () => {
  const workDir = tempDir();
  const { manager } = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const running = status('t1', TaskState.RUNNING);
  manager.update('fw', running);
  await manager.flushed();
  manager.acknowledge('fw', 't1', running.uuid);
  const lines = readFileSync(taskUpdatesFile(workDir, 'fw', 't1'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 2);
  assert.is(lines[0].update.frameworkId, 'fw');
  assert.is(lines[0].update.status.state, 'TASK_STATE_RUNNING');
  assert.is(lines[1].ack, running.uuid.toString('base64'));
  manager.stop();
});

test('group commit: updates of one turn share one fsync per task log, and none is sent before it', async () => {
  const workDir = tempDir();
  const { manager, sent, events } = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const tasks = Array.from({ length: 50 }, (_, i) => `t${i}`);
  // 50 tasks, three updates each, all in one turn: 150 records, 50 files.
  for (const taskId of tasks) {
    for (const state of [TaskState.STARTING, TaskState.RUNNING, TaskState.FINISHED]) manager.update('fw', status(taskId, state));
  }
  assert.is(sent.length, 0, 'nothing is sent in the turn the updates were queued');
  await manager.flushed();
  assert.is(events.filter((e) => e === 'fsync').length, tasks.length, 'one fsync per task log, not one per update');
  assert.is(sent.length, tasks.length, 'each task has its head in flight');
  // A send comes only after at least as many fsyncs as distinct tasks sent so far.
  let syncs = 0;
  let sends = 0;
  for (const event of events) {
    if (event === 'fsync') syncs++;
    else assert.ok(++sends <= syncs, `send ${sends} came before its task's fsync (${syncs} done): ${event}`);
  }
  // Acknowledging the heads sends the next update at once: it is already on disk.
  for (const update of [...sent]) manager.acknowledge('fw', update.status!.taskId, update.status!.uuid);
  assert.is(sent.length, 2 * tasks.length);
  assert.ok(sent.slice(tasks.length).every((u) => u.status!.state === TaskState.RUNNING));
  manager.stop();
});

test('group commit: an update queued while an earlier one is syncing waits for its own fsync', async () => {
  const workDir = tempDir();
  const { manager, sent, events } = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const starting = status('t1', TaskState.STARTING);
  manager.update('fw', starting);
  await waitFor('STARTING sent', () => sent.length === 1, 5_000);
  const running = status('t1', TaskState.RUNNING);
  manager.update('fw', running);
  manager.acknowledge('fw', 't1', starting.uuid);
  assert.is(sent.length, 1, 'RUNNING is not sent on the acknowledgement: it is not on disk yet');
  await manager.flushed();
  assert.is(sent.length, 2);
  assert.equal(events, ['fsync', 'send:t1:' + TaskState.STARTING, 'fsync', 'send:t1:' + TaskState.RUNNING]);
  manager.stop();
});

test('group commit: after a crash every sent update is on disk; a stop writes what was still queued', async () => {
  const workDir = tempDir();
  const first = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  for (let i = 0; i < 20; i++) first.manager.update('fw', status(`t${i}`, TaskState.RUNNING));
  await waitFor('all sent', () => first.sent.length === 20, 5_000);
  // Every update that went out is in its task's log right now (a crash here loses nothing sent).
  for (const update of first.sent) {
    const text = readFileSync(taskUpdatesFile(workDir, 'fw', update.status!.taskId), 'utf8');
    assert.ok(text.includes(Buffer.from(update.status!.uuid).toString('base64')), `update of ${update.status!.taskId} on disk`);
  }
  // Queued in the stopping turn, never sent: stop() still writes it.
  const late = status('t0', TaskState.FINISHED);
  first.manager.update('fw', late);
  first.manager.stop();
  assert.is(first.sent.length, 20);

  const second = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const replayed = second.manager.recover();
  assert.is(replayed.length, 20);
  assert.equal(second.manager.pending('fw', 't0').map((s) => s.state), [TaskState.RUNNING, TaskState.FINISHED]);
  second.manager.resendAll();
  assert.is(second.sent.length, 20, 'recovered updates are durable: sent at once');
  second.manager.stop();
});

test('group commit: a failed fsync is not taken as durable; the batch is written again and only then sent', async () => {
  const workDir = tempDir();
  const sent: AgentMessage_StatusUpdate[] = [];
  let failures = 1;
  // The injected failure stands in for a disk error (test double of fs.fsync's outcome; the writes are real).
  const manager = new StatusUpdateManager({
    workDir,
    logger: silentLogger(),
    retry: { initialMs: 30, maxMs: 30 },
    send: (update) => (sent.push(update), true),
    fsync: (fd, done) =>
      failures-- > 0 ? setImmediate(() => done(Object.assign(new Error('EIO: injected'), { code: 'EIO' }))) : fsync(fd, done),
  });
  const running = status('t1', TaskState.RUNNING);
  manager.update('fw', running);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.is(sent.length, 0, 'not sent after a failed fsync');
  await waitFor('sent after the retry', () => sent.length === 1, 5_000);
  manager.stop();
  const again = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  again.manager.recover();
  assert.is(again.manager.pending('fw', 't1').length, 1, 'the rewritten line is read once');
  again.manager.stop();
});

test.run();
