// AcknowledgeMany: several acknowledgements in one call, each applied as a
// single Acknowledge would be and answered per entry; a malformed entry fails
// the whole call and nothing is applied. Acknowledgements for one agent made in
// one turn reach it as one batched message. Over real gRPC on loopback with a
// (test double) agent.

import type { ServiceError } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AcknowledgeManyRequest, Operation_Type, TaskState, type AcknowledgeManyResponse } from '@tessera/common';

import { FakeAgent, TestScheduler, parseWire, startTestMaster } from './support.js';

function acknowledgeMany(
  s: TestScheduler,
  acknowledgements: Array<{ agentId?: string; taskId: string; uuid: Buffer }>,
): Promise<{ err: ServiceError | null; response?: AcknowledgeManyResponse }> {
  const request = AcknowledgeManyRequest.fromPartial({ header: s.header, acknowledgements });
  return new Promise((resolve) =>
    s.client.acknowledgeMany(request, (err, response) => resolve(err ? { err } : { err: null, response })),
  );
}

test('AcknowledgeMany applies each entry, relays each to the agent, and answers per entry', async () => {
  const tm = await startTestMaster();
  const s = new TestScheduler(tm.master.grpcAddress);
  const a = new FakeAgent(tm.master.grpcAddress);
  try {
    await s.subscribe({ name: 'batch' });
    const agentId = await a.register();
    const [offer] = await s.offers();
    const tasks = ['t1', 't2', 't3'];
    assert.is(
      await s.call('accept', {
        header: s.header,
        offerIds: [offer!.id],
        operations: [
          {
            type: Operation_Type.LAUNCH,
            launch: { taskInfos: tasks.map((t) => ({ name: t, taskId: t, resources: parseWire('cpus:1;mem:64'), command: { value: 'true', shell: true } })) },
          },
        ],
      }),
      null,
    );
    for (const t of tasks) await a.inbox.next((m) => m.runTask?.task?.taskId === t, `RunTask ${t}`);
    for (const t of tasks) a.update(s.frameworkId, t, TaskState.RUNNING);
    const running = [];
    for (const t of tasks) running.push(await s.update(TaskState.RUNNING, t));

    // Malformed: a short uuid fails the call and applies nothing.
    const bad = await acknowledgeMany(s, [
      { agentId, taskId: 't1', uuid: running[0]!.uuid },
      { agentId, taskId: 't2', uuid: Buffer.alloc(3) },
    ]);
    assert.is(bad.err?.code, 3); // INVALID_ARGUMENT
    assert.match(bad.err!.details, 'acknowledgements[1].uuid: must be 16 bytes');
    const empty = await acknowledgeMany(s, []);
    assert.is(empty.err?.code, 3);
    assert.match(empty.err!.details, 'acknowledgements: must not be empty');

    // t1 and t3 are waiting; an unknown uuid for t2 is reported, not fatal.
    const { err, response } = await acknowledgeMany(s, [
      { agentId, taskId: 't1', uuid: running[0]!.uuid },
      { agentId, taskId: 't2', uuid: Buffer.alloc(16, 9) },
      { agentId, taskId: 't3', uuid: running[2]!.uuid },
    ]);
    assert.is(err, null);
    assert.is(response!.errors.length, 3);
    assert.is(response!.errors[0], '');
    assert.match(response!.errors[1]!, /uuid: no update 09090909.* of task t2 waits for an acknowledgement/);
    assert.is(response!.errors[2], '');
    const relayed = [
      await a.inbox.next((m) => m.acknowledge !== undefined, 'first Acknowledge'),
      await a.inbox.next((m) => m.acknowledge !== undefined, 'second Acknowledge'),
    ].map((m) => m.acknowledge!.taskId);
    assert.equal(relayed, ['t1', 't3']);
    // On the wire both went to the agent in one batched message (same agent, same turn).
    const batch = await a.wire.next((m) => m.acknowledgements !== undefined, 'batched Acknowledgements');
    assert.equal(batch.acknowledgements!.acknowledgements.map((x) => x.taskId), ['t1', 't3']);
    assert.ok(Buffer.from(batch.acknowledgements!.acknowledgements[1]!.uuid).equals(running[2]!.uuid));

    // A repeat of an acknowledged update is a no-op ('' as for a single call).
    const again = await acknowledgeMany(s, [
      { agentId, taskId: 't1', uuid: running[0]!.uuid },
      { agentId, taskId: 't2', uuid: running[1]!.uuid },
    ]);
    assert.equal(again.response?.errors, ['', '']);
    const third = await a.inbox.next((m) => m.acknowledge !== undefined, 'Acknowledge of t2');
    assert.is(third.acknowledge!.taskId, 't2');
    // Alone in its turn, it went out in the single form (agents without the batched form understand it).
    const single = await a.wire.next((m) => m.acknowledge !== undefined, 'single Acknowledge on the wire');
    assert.is(single.acknowledge!.taskId, 't2');

    // The header is checked as for every call.
    const stranger = await new Promise<ServiceError | null>((resolve) =>
      s.client.acknowledgeMany(
        AcknowledgeManyRequest.fromPartial({ header: { frameworkId: s.frameworkId, streamId: 'not-the-stream' }, acknowledgements: [{ taskId: 't1', uuid: Buffer.alloc(16) }] }),
        (e) => resolve(e),
      ),
    );
    assert.is(stranger?.code, 7); // PERMISSION_DENIED
  } finally {
    s.close();
    a.close();
    await tm.stop();
  }
});

test.run();
