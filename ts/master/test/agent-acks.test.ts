// AgentAcknowledgements, the per-agent per-turn coalescing of acknowledgements
// to agents. A unit test with a FAKE writer (records what would go on each
// agent's stream); the behaviour over real gRPC is in acknowledge-many.test.ts
// and agent-batches.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MasterMessage } from '@tessera/common';

import { AgentAcknowledgements } from '../src/agent-acks.js';
import type { AgentRecord } from '../src/model.js';

function fakeAgent(id: string): AgentRecord {
  return { id } as AgentRecord; // only the identity matters to the coalescer
}

function recorder(): { written: Array<[string, MasterMessage]>; acks: AgentAcknowledgements } {
  const written: Array<[string, MasterMessage]> = [];
  const acks = new AgentAcknowledgements((agent, message) => {
    written.push([agent.id, message]);
    return true;
  });
  return { written, acks };
}

const uuid = (n: number): Buffer => Buffer.alloc(16, n);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('acknowledgements of one turn go out per agent when the turn ends: batched when several, single when one', async () => {
  const { written, acks } = recorder();
  const a = fakeAgent('a');
  const b = fakeAgent('b');
  acks.add(a, { frameworkId: 'f', taskId: 't1', uuid: uuid(1) });
  acks.add(b, { frameworkId: 'f', taskId: 't2', uuid: uuid(2) });
  acks.add(a, { frameworkId: 'f', taskId: 't3', uuid: uuid(3) });
  assert.is(written.length, 0, 'nothing is written inside the turn');
  assert.is(acks.waiting, 2);
  await nextTurn();
  assert.is(written.length, 2);
  const [toA, toB] = written;
  assert.is(toA![0], 'a');
  assert.equal(toA![1].acknowledgements?.acknowledgements.map((x) => x.taskId), ['t1', 't3']);
  assert.is(toA![1].acknowledge, undefined);
  assert.is(toB![0], 'b');
  assert.is(toB![1].acknowledge?.taskId, 't2');
  assert.ok(Buffer.from(toB![1].acknowledge!.uuid).equals(uuid(2)));
  assert.is(toB![1].acknowledgements, undefined);
  assert.is(acks.waiting, 0);
});

test('flush(agent) sends what waits for that agent at once (before another message to it) and nothing twice', async () => {
  const { written, acks } = recorder();
  const a = fakeAgent('a');
  const b = fakeAgent('b');
  acks.add(a, { frameworkId: 'f', taskId: 't1', uuid: uuid(1) });
  acks.add(b, { frameworkId: 'f', taskId: 't2', uuid: uuid(2) });
  acks.flush(a);
  assert.equal(written.map(([id]) => id), ['a']);
  acks.flush(a); // nothing left for a
  assert.is(written.length, 1);
  await nextTurn();
  assert.equal(written.map(([id]) => id), ['a', 'b']);
  // A later turn starts a new batch.
  acks.add(a, { frameworkId: 'f', taskId: 't4', uuid: uuid(4) });
  await nextTurn();
  assert.is(written[2]![1].acknowledge?.taskId, 't4');
});

test('after stop() nothing is queued or written', async () => {
  const { written, acks } = recorder();
  const a = fakeAgent('a');
  acks.add(a, { frameworkId: 'f', taskId: 't1', uuid: uuid(1) });
  acks.stop();
  acks.add(a, { frameworkId: 'f', taskId: 't2', uuid: uuid(2) });
  await nextTurn();
  assert.is(written.length, 0);
  assert.is(acks.waiting, 0);
});

test.run();
