// Unit tests of the CLI's flag parsing, help text and output helpers (no
// cluster involved; the commands themselves are tested end to end in
// test/e2e/cli.test.ts).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { address, helpText, list, num, parseFlags, str, type CommandSpec } from '../src/ui/args.js';
import { UsageError } from '../src/ui/errors.js';
import { age, mib, table } from '../src/ui/table.js';
import { splitResources } from '../src/commands/dev-resources.js';

const spec: CommandSpec = {
  name: 'demo',
  usage: 'tessera demo',
  summary: 'A demo command.',
  positionals: true,
  flags: {
    master: { type: 'string', env: 'DEMO_MASTER', default: '127.0.0.1:5050', help: 'Master' },
    count: { type: 'string', help: 'How many' },
    env: { type: 'string', multiple: true, help: 'Variables' },
    json: { type: 'boolean', help: 'JSON' },
  },
};

test('flags: values, defaults, environment fallbacks, positionals after --', () => {
  const f = parseFlags(spec, ['--count', '3', '--env', 'A=1', '--env', 'B=2', '--', 'echo', '--json'], { DEMO_MASTER: '10.0.0.1:7' });
  assert.is(str(f, 'master'), '10.0.0.1:7');
  assert.is(num(f, 'count', { min: 1, integer: true }), 3);
  assert.equal(list(f, 'env'), ['A=1', 'B=2']);
  assert.equal(f.positionals, ['echo', '--json']);
  assert.is(f.values.json, undefined, 'a flag after -- belongs to the command');
  const d = parseFlags(spec, [], {});
  assert.is(str(d, 'master'), '127.0.0.1:5050');
});

test('flags: unknown flags, bad numbers and bad addresses are UsageErrors naming the flag', () => {
  assert.throws(() => parseFlags(spec, ['--nope'], {}), (e: unknown) => e instanceof UsageError && /nope/.test(e.message));
  const f = parseFlags(spec, ['--count', 'x', '--master', 'nohost'], {});
  assert.throws(() => num(f, 'count'), /--count: 'x' is not a number/);
  assert.throws(() => address(f, 'master'), /--master: 'nohost' is not HOST:PORT/);
  const g = parseFlags(spec, ['--count', '1.5'], {});
  assert.throws(() => num(g, 'count', { integer: true }), /not a whole number/);
  assert.throws(() => num(g, 'count', { max: 1 }), /out of range/);
  const noPos: CommandSpec = { ...spec, positionals: false };
  assert.throws(() => parseFlags(noPos, ['stray'], {}), /unexpected argument 'stray'/);
});

test('help text lists every flag with its env variable and default', () => {
  const text = helpText(spec);
  assert.match(text, /^Usage: tessera demo/);
  assert.match(text, /--master VALUE\s+Master \(env DEMO_MASTER; default 127\.0\.0\.1:5050\)/);
  assert.match(text, /--env VALUE\s+Variables \(repeatable\)/);
  assert.match(text, /-h, --help/);
});

test('tables align columns; amounts and ages read well', () => {
  assert.is(table(['A', 'LONGER'], [['xx', '1'], ['y', '22']]), 'A   LONGER\nxx  1\ny   22');
  assert.is(mib(512), '512 MiB');
  assert.is(mib(1536), '1.5 GiB');
  assert.is(age(new Date(Date.now() - 90_000).toISOString()), '90s');
  assert.is(age(undefined), '-');
});

test('dev splits one machine among agents: scalars evenly, ports in disjoint blocks', () => {
  const machine = [
    { name: 'cpus', scalar: { value: 2 }, reservation: '', revocable: false },
    { name: 'mem', scalar: { value: 7001 }, reservation: '', revocable: false },
    { name: 'ports', ranges: { range: [{ begin: 31000, end: 32000 }] }, reservation: '', revocable: false },
    { name: 'cpus', scalar: { value: 1 }, reservation: 'ml', revocable: false },
  ];
  const parts = splitResources(machine, 3);
  assert.equal(parts, [
    'cpus:0.666;mem:2333;ports:[31000-31332]',
    'cpus:0.666;mem:2333;ports:[31333-31665]',
    'cpus:0.666;mem:2333;ports:[31666-31998]',
  ]);
  assert.equal(splitResources(machine, 0), []);
});

test.run();
