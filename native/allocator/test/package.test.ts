// The package on its own: a fresh Node process outside the workspace runs the
// README's quickstart (examples/quickstart.mjs) against @tessera/allocator and
// nothing else of Tessera.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quickstart = join(packageDir, 'examples', 'quickstart.mjs');

// binpack, both agents unused (a tie): cycle 1's shuffle puts a1 first, shuffle(0, 1) = 0x11fd02eb <
// shuffle(1, 1) = 0xb19fea7c (tieOrder, test/allocator/conformance/builders.ts); batch < web at equal
// shares → batch takes a1, then web (0) < batch (.5) → web takes a2. Accepting cpus:1 mem:512 of
// offer 1 frees the rest.
const EXPECTED = [
  'offer 1: a1 to batch [{"name":"cpus","scalar":4},{"name":"mem","scalar":8192},{"name":"ports","ranges":[[31000,31099]]}]',
  'offer 2: a2 to web [{"name":"cpus","scalar":8},{"name":"mem","scalar":16384}]',
  'a1 free: [{"name":"cpus","scalar":3},{"name":"mem","scalar":7680},{"name":"ports","ranges":[[31000,31099]]}]',
  '',
].join('\n');

/** A directory under the OS temp dir whose node_modules holds @tessera/allocator only. */
function sandbox(install: (target: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-allocator-'));
  mkdirSync(join(dir, 'node_modules', '@tessera'), { recursive: true });
  install(join(dir, 'node_modules', '@tessera', 'allocator'));
  return dir;
}

function node(args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // no tsx loader, no --import: plain Node
  delete env.NODE_PATH;
  delete env.FORCE_COLOR; // the test runner's; the script's console.log must print plain text
  return spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
}

function assertRan(run: SpawnSyncReturns<string>): void {
  assert.is(run.stderr, '', run.stderr);
  assert.is(run.status, 0);
  assert.is(run.stdout, EXPECTED);
}

test('the quickstart, as `node -e`, in a temp dir that links only this package', () => {
  const dir = sandbox((target) => symlinkSync(packageDir, target, 'dir'));
  try {
    assertRan(node(['--input-type=module', '-e', readFileSync(quickstart, 'utf8')], dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every js snippet of the README runs and prints what the README says', () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(snippets.length >= 3);
  // the first is the quickstart, its output in the block after it
  assert.is(snippets[0], readFileSync(quickstart, 'utf8'));
  assert.ok(readme.includes('```\n' + EXPECTED + '```'), 'the README shows the quickstart\'s output');
  const dir = sandbox((target) => symlinkSync(packageDir, target, 'dir'));
  try {
    for (const snippet of snippets.slice(1)) {
      // the others end with their output as `// ` comment lines
      const lines = snippet.trimEnd().split('\n');
      const firstOutput = lines.length - [...lines].reverse().findIndex((line) => !line.startsWith('// '));
      const expected = lines.slice(firstOutput).map((line) => line.slice(3) + '\n').join('');
      assert.ok(expected.length > 0, `no output written under:\n${snippet}`);
      const run = node(['--input-type=module', '-e', snippet], dir);
      assert.is(run.stderr, '');
      assert.is(run.stdout, expected);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('examples/quickstart.mjs runs as a file', () => {
  assertRan(node([quickstart], tmpdir()));
});

test('the package imports by absolute path, from anywhere', () => {
  const index = join(packageDir, 'dist', 'index.js');
  const script = [
    `import { Allocator, InvalidResourceError, parseResources } from ${JSON.stringify(index)};`,
    `const a = new Allocator();`,
    `try { a.addAgent({ id: 'x', resources: 'cpus:-1' }); } catch (e) { console.log(e instanceof InvalidResourceError, e.code); }`,
    `console.log(JSON.stringify(parseResources('cpus:0.1;cpus:0.2')));`,
  ].join('\n');
  const run = node(['--input-type=module', '-e', script], tmpdir());
  assert.is(run.stderr, '');
  assert.is(run.stdout, 'true ERR_INVALID_RESOURCE\n[{"name":"cpus","scalar":0.3}]\n');
});

test('at run time the package needs only itself and Node built-ins', () => {
  const specifiers = (file: string): string[] =>
    [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  const files = [...readdirSync(join(packageDir, 'dist')).filter((f) => f.endsWith('.js')).map((f) => join('dist', f)), 'binding.cjs'];
  assert.ok(files.includes(join('dist', 'index.js')));
  const outside = files.flatMap((file) =>
    specifiers(join(packageDir, file))
      // relative files, Node built-ins, and the per-platform addon packages napi-rs publishes
      .filter((s) => !s.startsWith('.') && !isBuiltin(s) && !s.startsWith('@tessera/allocator-'))
      .map((s) => `${file}: ${s}`),
  );
  assert.equal(outside, []);
});

test('the packed tarball, installed on its own, runs the quickstart', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
  try {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: packageDir, encoding: 'utf8' });
    assert.is(pack.status, 0, pack.stderr);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const app = join(work, 'app');
    const target = join(app, 'node_modules', '@tessera', 'allocator');
    mkdirSync(target, { recursive: true });
    assert.is(spawnSync('tar', ['-xzf', join(work, tarball), '-C', target, '--strip-components=1']).status, 0);
    cpSync(quickstart, join(app, 'quickstart.mjs'));
    assertRan(node(['quickstart.mjs'], app));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
