// An agent coming back unchanged after a master restart or failover is
// already in the registry as reachable: re-admitting it writes nothing (at
// 10,000 agents those writes were most of a failover's registry traffic).
// One that was unreachable, or whose info changed, is written again.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { FileRegistry } from '../src/registry/file-registry.js';
import { FakeAgent, eventually, startTestMaster } from './support.js';

test('an unchanged re-registration after a restart writes nothing; a changed one, or one after unreachable, is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-rereg-writes-'));
  try {
    const first = await startTestMaster({}, dir);
    const a = new FakeAgent(first.master.grpcAddress);
    const agentId = await a.register();
    a.close();
    await first.stop();

    const registry = new FileRegistry(dir);
    const second = await startTestMaster({ registry, agentPingIntervalSeconds: 0.2, maxAgentPingTimeouts: 2 }, dir);
    try {
      const a2 = new FakeAgent(second.master.grpcAddress);
      a2.id = agentId;
      assert.is((await a2.reregister()).registered?.agentId, agentId);
      await registry.flush();
      assert.is(registry.writes, 0, 'nothing written for an unchanged re-registration');

      // Unreachable (pings unanswered): recorded; coming back is written again.
      a2.answerPings = false;
      await eventually(() => second.master.state().agents[0]?.state === 'unreachable', 'unreachable', 5000);
      await registry.flush();
      const afterUnreachable = registry.writes;
      assert.ok(afterUnreachable >= 1, 'the unreachable mark was written');
      a2.close();
      const a3 = new FakeAgent(second.master.grpcAddress);
      a3.id = agentId;
      assert.is((await a3.reregister()).registered?.agentId, agentId);
      await registry.flush();
      assert.is(registry.writes, afterUnreachable + 1, 'reachable again: written');
      assert.is((await new FileRegistry(dir).load()).agents[0]?.unreachableAt, undefined, 'the registry has it reachable');
      a3.close();
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
