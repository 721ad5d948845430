// ts/common must never load the native addon: it may only take the allocator's
// types (`import type`), so that every package can use the wire types without
// a built .node file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const src = fileURLToPath(new URL('../src/', import.meta.url));

test('src/ imports @tessera/allocator for types only', () => {
  const offending: string[] = [];
  let typeImports = 0;
  for (const entry of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const text = readFileSync(src + entry, 'utf8');
    for (const match of text.matchAll(/^(import|export)\b([^;]*?)from\s+'(@tessera\/allocator[^']*)'/gms)) {
      if (/^\s*type\b/.test(match[2] ?? '')) typeImports += 1;
      else offending.push(`${entry}: ${match[0]}`);
    }
  }
  assert.equal(offending, []);
  assert.ok(typeImports >= 4, `expected the converters' type imports, found ${typeImports}`);
});

test.run();
