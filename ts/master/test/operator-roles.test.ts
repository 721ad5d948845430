// Weights and quota set through the operator API are durable: recorded in the
// registry before they take effect, so a master restarted on the same registry
// gives them back to the allocator and lists them; a registry that cannot
// write answers 503 and nothing changes. FailingRegistry is a TEST DOUBLE: a
// MemoryRegistry whose weight and quota writes fail while `failing` is set.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { MemoryRegistry } from '../src/index.js';
import { get, post } from './operator-support.js';
import { startTestMaster } from './support.js';

class FailingRegistry extends MemoryRegistry {
  failing = false;
  override async setWeight(...args: Parameters<MemoryRegistry['setWeight']>): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.setWeight(...args);
  }
  override async setQuota(...args: Parameters<MemoryRegistry['setQuota']>): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.setQuota(...args);
  }
}

type Role = { name: string; weight: number; guarantees: Record<string, number>; limits: Record<string, number> };

test('weights and quota survive a master restart on the same registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-roles-test-'));
  try {
    const first = await startTestMaster({}, dir);
    try {
      assert.is((await post(first, '/api/v1/roles/weights', { weights: { web: 2, batch: 0.25 } })).status, 200);
      assert.is((await post(first, '/api/v1/quota', { role: 'web', guarantees: { cpus: 2 }, limits: { cpus: 4 } })).status, 200);
      assert.is((await post(first, '/api/v1/quota', { role: 'gone', guarantees: { mem: 64 } })).status, 200);
      assert.is((await post(first, '/api/v1/quota', { role: 'gone', remove: true })).status, 200);
    } finally {
      await first.stop();
    }
    const second = await startTestMaster({}, dir);
    try {
      const roles = (await get(second, '/api/v1/roles')).json.roles as Role[];
      const byName = new Map(roles.map((r) => [r.name, r]));
      assert.is(byName.get('web')?.weight, 2);
      assert.equal(byName.get('web')?.guarantees, { cpus: 2 });
      assert.equal(byName.get('web')?.limits, { cpus: 4 });
      assert.is(byName.get('batch')?.weight, 0.25);
      assert.is(byName.has('gone'), false, 'a removed quota is not recovered');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a registry that cannot record them: 503, and the allocator keeps what it had', async () => {
  const registry = new FailingRegistry();
  const tm = await startTestMaster({ registry });
  try {
    assert.is((await post(tm, '/api/v1/roles/weights', { weights: { web: 2 } })).status, 200);
    registry.failing = true;
    const w = await post(tm, '/api/v1/roles/weights', { weights: { web: 5, other: 3 } });
    assert.is(w.status, 503);
    assert.match(w.json.error, /^registry: could not record the weights \(disk full\)/);
    const q = await post(tm, '/api/v1/quota', { role: 'web', guarantees: { cpus: 1 } });
    assert.is(q.status, 503);
    const roles = new Map(((await get(tm, '/api/v1/roles')).json.roles as Role[]).map((r) => [r.name, r]));
    assert.is(roles.get('web')?.weight, 2);
    assert.equal(roles.get('web')?.guarantees, {});
    assert.is(roles.has('other'), false);
  } finally {
    await tm.stop();
  }
});

test.run();
