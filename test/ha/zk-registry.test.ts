// The ZooKeeper registry on a real 3-server ensemble: what one leader wrote
// the next reads, and once the next has taken the registry over the deposed
// leader's writes are refused (fenced) — whatever it believes.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AgentInfo, FrameworkInfo } from '../../ts/common/src/index.ts';
import { ZkSession } from '@tessera/ha';
import { RegistryFencedError, ZkRegistry, shardOf } from '../../ts/master/src/registry/zk-registry.ts';
import { ZkEnsemble } from './zk-ensemble.ts';
import { withTimeout } from './util.ts';

let zk: ZkEnsemble;
const sessions: ZkSession[] = [];

test.before(async () => {
  zk = await ZkEnsemble.start();
});

test.after(async () => {
  for (const s of sessions) s.close();
  await zk?.stop();
});

async function session(): Promise<ZkSession> {
  const s = new ZkSession({ connect: zk.connect, sessionTimeoutMs: 4000 });
  sessions.push(s);
  await withTimeout(s.open(), 10_000, 'zookeeper session');
  return s;
}

const agent = (n: number): AgentInfo =>
  AgentInfo.fromPartial({
    id: `agent-${n}`,
    hostname: `host-${n}.example`,
    address: `10.0.${n >> 8}.${n & 255}:5051`,
    resources: [{ name: 'cpus', scalar: { value: 8 } }, { name: 'mem', scalar: { value: 32768 } }],
  });

test('shardOf is stable and spreads ids', () => {
  assert.is(shardOf('agent-1', 32), shardOf('agent-1', 32));
  const used = new Set(Array.from({ length: 1000 }, (_, i) => shardOf(`agent-${i}`, 32)));
  assert.is(used.size, 32, 'a thousand ids land in every one of 32 shards');
});

test('a new leader reads what the old one wrote, and fences it: its next write is refused and it hears "fenced"', async () => {
  const path = '/tessera-registry-fence';
  const first = new ZkRegistry({ session: await session(), path, shards: 4 });
  assert.equal((await first.load()).agents, []);
  await first.admitAgent(agent(1));
  await first.addFramework(FrameworkInfo.fromPartial({ id: 'fw-1', name: 'one', user: 'u', roles: ['*'] }));
  await first.markAgentUnreachable('agent-1', new Date('2026-01-01T00:00:00Z'));

  const second = new ZkRegistry({ session: await session(), path });
  const state = await second.load();
  assert.equal(state.agents.map((a) => [a.info.id, a.unreachableAt]), [['agent-1', '2026-01-01T00:00:00.000Z']]);
  assert.equal(state.frameworks.map((f) => f.id), ['fw-1']);

  let fencedEvent: Error | undefined;
  first.once('fenced', (err: Error) => (fencedEvent = err));
  // Every shard was taken over, so a write to any of them is refused.
  for (const n of [2, 3, 4, 5, 6]) {
    const err = await first.admitAgent(agent(n)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, RegistryFencedError, `write of agent-${n} by the deposed leader`);
  }
  assert.ok(fencedEvent, 'the deposed registry emitted fenced');
  assert.ok(first.fenced);

  await second.admitAgent(agent(7));
  await second.removeFramework('fw-1');
  const third = await new ZkRegistry({ session: await session(), path }).load();
  assert.equal(third.agents.map((a) => a.info.id).sort(), ['agent-1', 'agent-7'], 'none of the deposed leader\'s writes landed');
  assert.equal(third.frameworks, []);
  assert.equal(third.removedFrameworks, ['fw-1']);
});

test('a write racing the takeover is either read by the new leader or refused, never lost silently', async () => {
  const path = '/tessera-registry-race';
  const first = new ZkRegistry({ session: await session(), path, shards: 2 });
  await first.load();
  const results: Array<'ok' | 'fenced'> = [];
  const writes = Array.from({ length: 40 }, (_, i) =>
    first.admitAgent(agent(100 + i)).then(
      () => results.push('ok'),
      (e: unknown) => {
        assert.instance(e, RegistryFencedError);
        results.push('fenced');
      },
    ),
  );
  const second = new ZkRegistry({ session: await session(), path });
  const state = await second.load();
  await Promise.all(writes);
  const read = new Set(state.agents.map((a) => a.info.id));
  // Every write the deposed leader saw succeed is in what the new leader read.
  const ok = results.filter((r) => r === 'ok').length;
  assert.ok(read.size >= ok, `new leader read ${read.size} agents, the old one had ${ok} writes acknowledged`);
});

test('10,000 agents fit (sharded, gzipped) and come back whole; admissions are coalesced per shard', async () => {
  const path = '/tessera-registry-large';
  const registry = new ZkRegistry({ session: await session(), path });
  await registry.load();
  const started = performance.now();
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => registry.admitAgent(agent(i))));
  const admitMs = performance.now() - started;
  assert.ok(registry.writes < 2000, `coalesced: ${registry.writes} shard writes for 10,000 admissions`);
  const loadStarted = performance.now();
  const state = await new ZkRegistry({ session: await session(), path }).load();
  const loadMs = performance.now() - loadStarted;
  assert.is(state.agents.length, 10_000);
  assert.is(new Set(state.agents.map((a) => a.info.id)).size, 10_000);
  console.log(`  10,000 admissions: ${Math.round(admitMs)} ms in ${registry.writes} shard writes; load + takeover: ${Math.round(loadMs)} ms`);
});

test.run();
