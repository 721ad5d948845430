// End to end with a real master (ts/master): the scheduler client survives a
// master restart, and a new client takes over a framework by its id.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { silentLogger } from '@tessera/common';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startMaster, type MasterHandle, type MasterOptions } from '../../master/src/index.js';
import { SchedulerClient } from '../src/scheduler/client.js';
import { nextOf, nextOfType } from './fakes/wait.js';

let dir = '';
let master: MasterHandle;
const clients: SchedulerClient[] = [];

const options = (port: number): MasterOptions => ({ port, httpPort: 0, workDir: join(dir, 'master'), logger: silentLogger() });

function client(frameworkId?: string): SchedulerClient {
  const c = new SchedulerClient({
    master: master.grpcAddress,
    framework: { name: 'failover', failoverTimeoutSeconds: 60, id: frameworkId },
    reconnect: { initialMs: 50, maxMs: 200 },
    logger: silentLogger(),
  });
  clients.push(c);
  return c;
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-sdk-failover-'));
  master = await startMaster(options(0));
});

test.after(async () => {
  for (const c of clients) c.close();
  await master.stop();
  await rm(dir, { recursive: true, force: true });
});

test('a master restart: disconnected, then subscribed again as the same framework', async () => {
  const c = client();
  const events = c.events()[Symbol.asyncIterator]();
  const first = await nextOfType(events, 'subscribed');
  const port = Number(master.grpcAddress.slice(master.grpcAddress.lastIndexOf(':') + 1));
  await master.stop();
  assert.is((await nextOf(events)).type, 'disconnected');
  master = await startMaster(options(port));
  const again = await nextOfType(events, 'subscribed', 10_000);
  assert.is(again.frameworkId, first.frameworkId);
  assert.is.not(again.streamId, first.streamId);
  await c.revive(); // the new stream id is accepted
  c.close();
});

test('a new scheduler takes its framework over by id', async () => {
  const before = client();
  const beforeEvents = before.events()[Symbol.asyncIterator]();
  const { frameworkId } = await nextOfType(beforeEvents, 'subscribed');
  before.close();
  const after = client(frameworkId);
  const subscribed = await nextOfType(after.events()[Symbol.asyncIterator](), 'subscribed');
  assert.is(subscribed.frameworkId, frameworkId);
  assert.is(after.frameworkId, frameworkId);
  await after.suppress();
});

test.run();
