#!/usr/bin/env node
// The `tessera` command. The program is TypeScript compiled to ../dist by the
// project's build (`npm install` runs it); this shim only loads it.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`tessera: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
