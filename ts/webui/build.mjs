// Builds the browser app: type-checks ui/ (tsc, DOM types, Preact JSX), then
// bundles it with esbuild into dist/public — index.html plus content-hashed
// files under assets/ — with every dependency inside the bundle, so the UI
// works on a closed network. Run by the root `npm run build`.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist', 'public');
const require = createRequire(import.meta.url);

const tsc = require.resolve('typescript/bin/tsc');
const check = spawnSync(process.execPath, [tsc, '-p', join(here, 'ui', 'tsconfig.json')], { stdio: 'inherit' });
if (check.status !== 0) {
  console.error('webui: type errors in ui/ (above)');
  process.exit(check.status ?? 1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: [join(here, 'ui', 'main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js) throw new Error('webui: esbuild wrote no .js bundle');

writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="assets/${css}">\n` : ''}<script type="module" src="assets/${js}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`,
);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`webui: ${outputs.filter((f) => !f.endsWith('.map')).join(', ')} → dist/public (${(bytes / 1024).toFixed(0)} KiB with maps)`);
