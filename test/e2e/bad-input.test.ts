// End to end, real processes: bad calls to a running master get gRPC
// statuses naming the field, change nothing, and the master keeps serving.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { SchedulerServiceClient, CLIENT_OPTIONS, type Offer } from '@tessera/common';
import { startCluster, type Cluster } from './cluster.js';
import { closeFrameworks, shellTask, startFramework } from './framework.js';

let cluster: Cluster;
let raw: SchedulerServiceClient;

test.before(async () => {
  cluster = await startCluster({ agents: 1, agentResources: 'cpus:1;mem:512' });
  raw = new SchedulerServiceClient(cluster.grpc, credentials.createInsecure(), {
    ...CLIENT_OPTIONS,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
});

test.after(async () => {
  closeFrameworks();
  raw?.close();
  await cluster?.stop();
});

function call<Req>(method: (req: Req, cb: (err: ServiceError | null) => void) => unknown, req: Req): Promise<ServiceError | null> {
  return new Promise((resolve) => method.call(raw, req, (err) => resolve(err)));
}

test('unknown framework, wrong stream, foreign offers, duplicate ids, too much: clear statuses, no change', async () => {
  const unknown = await call(raw.decline, { header: { frameworkId: 'nope', streamId: 'x' }, offerIds: ['1'] });
  assert.is(unknown?.code, status.NOT_FOUND);
  assert.match(unknown!.details, /framework/);

  const fw = startFramework(cluster.grpc, { name: 'e2e-bad-input' });
  const [offer] = (await fw.waitForOffers(1)) as [Offer];
  const frameworkId = fw.frameworkId()!;

  const wrongStream = await call(raw.decline, { header: { frameworkId, streamId: 'not-the-stream' }, offerIds: [offer.id] });
  assert.is(wrongStream?.code, status.PERMISSION_DENIED);
  assert.match(wrongStream!.details, /stream_id/);

  const other = startFramework(cluster.grpc, { name: 'e2e-bad-input-other' });
  await new Promise((r) => setTimeout(r, 300));
  const foreign = await other.client.launch([offer.id], [shellTask('x', 'true', offer)]).then(
    () => undefined,
    (e: { code?: string; message: string }) => e,
  );
  assert.ok(foreign, 'accepting another framework’s offer fails');
  assert.ok(['NOT_FOUND', 'FAILED_PRECONDITION', 'PERMISSION_DENIED'].includes(foreign!.code ?? ''), foreign!.code);

  const dup = await fw.client.launch([offer.id], [shellTask('same', 'true', offer), shellTask('same', 'true', offer)]).then(
    () => undefined,
    (e: { code?: string; message: string }) => e,
  );
  assert.ok(dup);
  assert.match(dup!.message, /same/);

  const tooMuch = await fw.client.launch([offer.id], [shellTask('big', 'true', offer, 'cpus:64;mem:16')]).then(
    () => undefined,
    (e: { code?: string; message: string }) => e,
  );
  assert.is(tooMuch?.code, 'INVALID_ARGUMENT');
  assert.match(tooMuch!.message, /resources/);

  // Nothing changed: the offer is still good and launches a task.
  await fw.client.launch([offer.id], [shellTask('ok', 'true', offer)], { refuseSeconds: 0 });
  const s = await cluster.state();
  assert.ok([...s.tasks, ...s.completedTasks].some((t: { id: string }) => t.id === 'ok'));
  assert.not.ok([...s.tasks, ...s.completedTasks].some((t: { id: string }) => t.id === 'same' || t.id === 'big' || t.id === 'x'));
  fw.close();
  other.close();
});

test('an oversized message is refused with RESOURCE_EXHAUSTED and the master lives on', async () => {
  const huge = 'x'.repeat(20 * 1024 * 1024);
  const err = await call(raw.decline, { header: { frameworkId: huge, streamId: '' }, offerIds: [] });
  assert.is(err?.code, status.RESOURCE_EXHAUSTED);
  const health = await fetch(`http://${cluster.http}/health`);
  assert.is(health.status, 200);
});

test.run();
