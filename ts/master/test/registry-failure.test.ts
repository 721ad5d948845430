// When the registry cannot record a change, the call fails (UNAVAILABLE, or
// Refused for an agent) and nothing changes. FlakyRegistry is a TEST DOUBLE: a
// MemoryRegistry whose writes fail while `failing` is set.

import { status } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { FrameworkCapability } from '@tessera/common';

import { MemoryRegistry } from '../src/index.js';
import { FakeAgent, TestScheduler, rejects, startTestMaster } from './support.js';

class FlakyRegistry extends MemoryRegistry {
  failing = false;
  #check(): void {
    if (this.failing) throw new Error('disk full');
  }
  override async admitAgent(...args: Parameters<MemoryRegistry['admitAgent']>): Promise<void> {
    this.#check();
    return super.admitAgent(...args);
  }
  override async addFramework(...args: Parameters<MemoryRegistry['addFramework']>): Promise<void> {
    this.#check();
    return super.addFramework(...args);
  }
  override async updateFramework(...args: Parameters<MemoryRegistry['updateFramework']>): Promise<void> {
    this.#check();
    return super.updateFramework(...args);
  }
}

test('a registry that cannot write: subscribe, update and agent registration fail and change nothing', async () => {
  const registry = new FlakyRegistry();
  const tm = await startTestMaster({ registry });
  const s = new TestScheduler(tm.master.grpcAddress);
  const a = new FakeAgent(tm.master.grpcAddress);
  try {
    registry.failing = true;
    const err = await s.subscribe({ name: 'unrecorded' }).then(
      () => null,
      (e: { code: number; details: string }) => e,
    );
    assert.is(err?.code, status.UNAVAILABLE);
    assert.match(err!.details, /registry/);
    assert.is(tm.master.state().frameworks.length, 0);
    await rejects(() => a.register(), /refused: registry/);
    assert.is(tm.master.state().agents.length, 0);

    registry.failing = false;
    await s.subscribe({ name: 'recorded', roles: ['a'], capabilities: [FrameworkCapability.MULTI_ROLE] });
    registry.failing = true;
    const update = await s.call('updateFramework', {
      header: s.header,
      frameworkInfo: { id: s.frameworkId, name: 'recorded', user: 'test', roles: ['b'], capabilities: [FrameworkCapability.MULTI_ROLE] },
    });
    assert.is(update?.code, status.UNAVAILABLE);
    assert.equal(tm.master.state().frameworks[0]!.roles, ['a']);
    registry.failing = false;
    await a.register();
    const [offer] = await s.offers('an offer under the unchanged role');
    assert.is(offer!.role, 'a');
  } finally {
    s.close();
    a.close();
    await tm.stop();
  }
});

test.run();
