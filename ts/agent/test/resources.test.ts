// Resource detection on this machine, --resources overrides, attributes, and
// option checks: real detection, no fakes.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { silentLogger } from '@tessera/common';

import { detectResources, parseAttributes, startAgent } from '../src/index.js';
import { agentResources } from '../src/resources/resources.js';
import { tempDir } from './helpers.js';

const scalar = (resources: Awaited<ReturnType<typeof detectResources>>, name: string, reservation = '') =>
  resources.find((r) => r.name === name && r.reservation === reservation)?.scalar?.value;

test('detection: plausible cpus, mem, disk and the default ports', async () => {
  const resources = await detectResources(tempDir());
  const cpus = scalar(resources, 'cpus')!;
  assert.ok(cpus > 0 && cpus <= os.availableParallelism(), `cpus ${cpus}`);
  const mem = scalar(resources, 'mem')!;
  const totalMiB = os.totalmem() / 1024 / 1024;
  // total minus min(1 GiB, half): at least half of it, less than all of it
  assert.ok(mem >= Math.floor(totalMiB / 2) && mem < totalMiB, `mem ${mem} of ${totalMiB} MiB`);
  assert.ok(scalar(resources, 'disk')! > 0);
  assert.equal(resources.find((r) => r.name === 'ports')!.ranges!.range, [{ begin: 31000, end: 32000 }]);
});

test('--resources replaces detection per name, with reservations and port ranges', async () => {
  const resources = await agentResources(tempDir(), 'cpus:2;cpus(ml):1.5;ports:[8000-8009,9000-9000]');
  assert.is(scalar(resources, 'cpus'), 2);
  assert.is(scalar(resources, 'cpus', 'ml'), 1.5);
  assert.equal(resources.find((r) => r.name === 'ports')!.ranges!.range, [
    { begin: 8000, end: 8009 },
    { begin: 9000, end: 9000 },
  ]);
  assert.ok(scalar(resources, 'mem')! > 0, 'mem keeps its detected value');
});

test('bad --resources text: a TypeError naming the option', async () => {
  for (const text of ['cpus:abc', 'cpus:-1', 'ports:[2-1]', 'cpus']) {
    try {
      await agentResources(tempDir(), text);
      assert.unreachable(`'${text}' was accepted`);
    } catch (err) {
      assert.instance(err, TypeError);
      assert.match((err as Error).message, /^resources: /);
    }
  }
});

test('attributes: numbers become scalars, the rest text', () => {
  assert.equal(JSON.parse(JSON.stringify(parseAttributes('rack:r1;zone:a;level:3;weight:0.5'))), [
    { name: 'rack', text: 'r1' },
    { name: 'zone', text: 'a' },
    { name: 'level', scalar: { value: 3 } },
    { name: 'weight', scalar: { value: 0.5 } },
  ]);
  assert.equal(parseAttributes(''), []);
});

test('bad attributes: a TypeError naming the item', () => {
  assert.throws(() => parseAttributes('rack'), /attributes: item 1 'rack': expected name:value/);
  assert.throws(() => parseAttributes('rack:a;rack:b'), /given twice/);
  assert.throws(() => parseAttributes('ra ck:a'), /name may hold only/);
  assert.throws(() => parseAttributes('rack:'), /value is empty/);
});

test('startAgent refuses bad options before starting anything', async () => {
  const base = { master: '127.0.0.1:1', workDir: tempDir(), port: 0, logger: silentLogger() };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ resources: 'cpus:x' }, /^resources: /],
    [{ attributes: 'zone' }, /^attributes: /],
    [{ master: 'nohost' }, /^master: must be host:port/],
    [{ port: 70000 }, /^port: /],
    [{ defaultKillGraceSeconds: -1 }, /^defaultKillGraceSeconds: /],
    [{ statusUpdateRetry: { initialMs: 100, maxMs: 10 } }, /^statusUpdateRetry\.maxMs: /],
  ];
  for (const [bad, message] of cases) {
    try {
      await startAgent({ ...base, ...bad } as never);
      assert.unreachable(`${JSON.stringify(bad)} was accepted`);
    } catch (err) {
      assert.instance(err, TypeError);
      assert.match((err as Error).message, message);
    }
  }
});

test('an HTTP port in use: a clear error naming the port', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    await startAgent({ master: '127.0.0.1:1', workDir: tempDir(), port, logger: silentLogger() }).then(
      () => assert.unreachable('started'),
      (err: Error) => assert.match(err.message, `port: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`),
    );
  } finally {
    taken.close();
  }
});

test.run();
