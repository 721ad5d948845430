// The status update manager on its own: a recording `send` stands in for the
// master stream (a test double), the checkpoint files are real.

import { existsSync, readFileSync } from 'node:fs';
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
  const manager = new StatusUpdateManager({
    workDir,
    logger: silentLogger(),
    retry,
    send: (update) => (sent.push(update), true),
    onAcknowledged: (_fw, s) => acked.push(s),
  });
  return { manager, sent, acked };
}

test('only the head is in flight; the next goes after its acknowledgement', () => {
  const { manager, sent, acked } = recordingManager(tempDir(), { initialMs: 60_000, maxMs: 60_000 });
  const running = status('t1', TaskState.RUNNING);
  const finished = status('t1', TaskState.FINISHED);
  manager.update('fw', running);
  manager.update('fw', finished);
  assert.is(sent.length, 1);
  assert.equal(sent[0]!.status!.uuid, running.uuid);
  assert.is(sent[0]!.latestState, TaskState.RUNNING);
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

test('updates after a terminal one and duplicate uuids are refused', () => {
  const { manager, sent } = recordingManager(tempDir(), { initialMs: 60_000, maxMs: 60_000 });
  const failed = status('t1', TaskState.FAILED);
  assert.ok(manager.update('fw', failed));
  assert.not.ok(manager.update('fw', failed), 'duplicate uuid');
  assert.not.ok(manager.update('fw', status('t1', TaskState.RUNNING)), 'after terminal');
  assert.is(sent.length, 1);
  manager.stop();
});

test('a restarted manager reloads unacknowledged updates from disk and resends them in order', () => {
  const workDir = tempDir();
  const first = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const starting = status('t1', TaskState.STARTING);
  const running = status('t1', TaskState.RUNNING);
  const finished = status('t1', TaskState.FINISHED);
  for (const s of [starting, running, finished]) first.manager.update('fw', s);
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

test('the checkpoint holds update and ack records, written before sending', () => {
  const workDir = tempDir();
  const { manager } = recordingManager(workDir, { initialMs: 60_000, maxMs: 60_000 });
  const running = status('t1', TaskState.RUNNING);
  manager.update('fw', running);
  manager.acknowledge('fw', 't1', running.uuid);
  const lines = readFileSync(taskUpdatesFile(workDir, 'fw', 't1'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 2);
  assert.is(lines[0].update.frameworkId, 'fw');
  assert.is(lines[0].update.status.state, 'TASK_STATE_RUNNING');
  assert.is(lines[1].ack, running.uuid.toString('base64'));
  manager.stop();
});

test.run();
