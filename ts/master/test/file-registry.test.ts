// FileRegistry coalesces writes: changes asked for while a write is in flight
// share the next one, every change resolves only once a write holding it is
// durable, the file on disk is always a whole registry, and a failed write
// rejects its batch without changing the durable state.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { AgentInfo, FrameworkInfo } from '@tessera/common';

import { FileRegistry } from '../src/index.js';

const agent = (i: number): AgentInfo =>
  AgentInfo.fromPartial({ id: `agent-${i}`, hostname: `h${i}`, address: `h${i}:5051` });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-file-registry-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('2,000 concurrent admissions share a few writes, and each resolves only once it is on disk', () =>
  withDir(async (dir) => {
    const r = new FileRegistry(dir);
    await r.load();
    const n = 2000;
    // Each admission, when it resolves, must find itself in the file.
    let checked = 0;
    const onDisk = async (i: number): Promise<void> => {
      const text = await readFile(r.path, 'utf8');
      assert.ok(text.includes(`"agent-${i}"`), `agent-${i} resolved but is not in the file`);
      checked += 1;
    };
    const admissions: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      admissions.push(r.admitAgent(agent(i)).then(() => (i % 97 === 0 ? onDisk(i) : undefined)));
      // Spread the admissions over several ticks, as registrations arrive.
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(admissions);
    assert.ok(checked > 0);
    assert.ok(r.writes >= 1 && r.writes <= 20, `${r.writes} writes for ${n} admissions`);
    const again = await new FileRegistry(dir).load();
    assert.is(again.agents.length, n);
    assert.equal(
      again.agents.map((a) => a.info.id),
      Array.from({ length: n }, (_, i) => `agent-${i}`),
    );
  }),
);

test('the file is a whole registry at every moment, holding admissions in the order asked', () =>
  withDir(async (dir) => {
    const r = new FileRegistry(dir);
    await r.load();
    let done = false;
    const reads: number[] = [];
    // A reader racing the writes sees the old or the new file, never a torn one.
    const reader = (async () => {
      while (!done) {
        let text: string;
        try {
          text = await readFile(r.path, 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // before the first write
          throw err;
        }
        const parsed = JSON.parse(text) as { agents: { info: { id: string } }[] };
        const ids = parsed.agents.map((a) => a.info.id);
        assert.equal(ids, Array.from({ length: ids.length }, (_, i) => `agent-${i}`), 'a prefix of the admissions');
        reads.push(ids.length);
      }
    })();
    const admissions: Promise<void>[] = [];
    for (let i = 0; i < 600; i++) {
      admissions.push(r.admitAgent(agent(i)));
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(admissions);
    done = true;
    await reader;
    assert.ok(reads.length > 0, 'the reader read the file');
    assert.is(reads.at(-1), 600);
  }),
);

test('a failed write rejects its batch and changes nothing; later changes are written', () =>
  withDir(async (dir) => {
    const r = new FileRegistry(dir);
    await r.load();
    await r.addFramework(FrameworkInfo.fromPartial({ id: 'f1', name: 'kept' }));
    // A directory where the temporary file goes makes the next write fail.
    await mkdir(`${r.path}.tmp`);
    const failed = await Promise.allSettled([r.admitAgent(agent(1)), r.removeFramework('f1')]);
    assert.equal(
      failed.map((f) => f.status),
      ['rejected', 'rejected'],
    );
    await rm(`${r.path}.tmp`, { recursive: true });
    await r.admitAgent(agent(2));
    await r.flush();
    const again = await new FileRegistry(dir).load();
    assert.equal(again.agents.map((a) => a.info.id), ['agent-2']);
    assert.equal(again.frameworks.map((f) => f.id), ['f1']);
    assert.equal(again.removedFrameworks, []);
  }),
);

test('a change asked for as the previous write resolves is written too (no change stranded between batches)', () =>
  withDir(async (dir) => {
    const r = new FileRegistry(dir);
    await r.load();
    for (let i = 0; i < 5; i++) {
      // Asked for in the first reaction to the previous change's resolution,
      // i.e. right as the write loop finds its queue empty.
      let next: Promise<void> | undefined;
      await within(
        2000,
        r.admitAgent(agent(2 * i)).then(() => {
          next = r.admitAgent(agent(2 * i + 1));
        }),
        `admission ${2 * i}`,
      );
      await within(2000, next!, `admission ${2 * i + 1}, asked for as ${2 * i} resolved`);
    }
    const again = await new FileRegistry(dir).load();
    assert.is(again.agents.length, 10);
  }),
);

async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('a change before load() is refused', async () => {
  const r = new FileRegistry('/nonexistent-tessera-dir');
  try {
    await r.admitAgent(agent(1));
  } catch (err) {
    assert.match((err as Error).message, /load\(\) must be called/);
    return;
  }
  assert.unreachable('a change before load() should be refused');
});

test.run();
