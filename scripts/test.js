#!/usr/bin/env node
// `npm test`: every suite, in order, stopping at the first failure.
//   1. generated code is up to date (proto → ts-proto, napi declarations)
//   2. the Rust core's unit and integration tests (cargo test)
//   3. type-check of tests and benchmarks
//   4. the uvu suites: the native package, the reference, ts/common, and the
//      differential and property tests in test/
// Run one step with `npm test -- <name>` (gen, rust, types, docker, zookeeper, chromium, uvu).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
const suites = [
  'native/allocator/test',
  'ts/allocator-reference/test',
  'ts/common/test',
  'ts/master/test',
  'ts/agent/test',
  'ts/sdk/test',
  'ts/cli/test',
  // Cross-package suites, one command each (each gets its own step timeout):
  // conformance/differential, real processes, HA fault injection, the browser.
  'test/allocator',
  'test/e2e',
  'test/ha',
  'test/webui',
];

const steps = {
  gen: [['bash', ['scripts/check-generated.sh']]],
  rust: [['cargo', ['test', '--release', '--quiet', '--manifest-path', 'native/allocator/core/Cargo.toml']]],
  types: [['npx', ['tsc', '-p', 'test/tsconfig.json']]],
  // Docker engine and the offline test image for the Docker containerizer's tests (needs root).
  docker: [['bash', ['scripts/provision-docker.sh']]],
  // Debian's zookeeper for the HA tests in test/ha (needs root when missing); they start their own ensembles.
  zookeeper: [['bash', ['scripts/provision-zookeeper.sh', 'install']]],
  // Debian's chromium for the web UI's browser tests in test/webui (needs root when missing).
  chromium: [['bash', ['scripts/provision-chromium.sh']]],
  uvu: suites.filter((s) => existsSync(join(root, s))).map((s) => ['node', ['--import', 'tsx', uvu, s, '\\.test\\.ts$']]),
};

const STEP_TIMEOUT_MS = 15 * 60 * 1000;

const only = process.argv.slice(2);
for (const [name, commands] of Object.entries(steps)) {
  if (only.length > 0 && !only.includes(name)) continue;
  for (const [cmd, args] of commands) {
    const started = Date.now();
    console.log(`\n▶ ${name}: ${cmd} ${args.join(' ')}`);
    // A step that hangs (a test leaving a handle open after a failure) fails
    // after STEP_TIMEOUT_MS instead of holding CI until its limit.
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (r.status !== 0) {
      const why = r.error?.code === 'ETIMEDOUT' ? `did not finish within ${STEP_TIMEOUT_MS / 60000} min` : `exited with ${r.status ?? r.signal}`;
      console.error(`\n✖ ${name} failed after ${secs}s (${cmd} ${why}).`);
      process.exit(r.status ?? 1);
    }
    console.log(`✔ ${name} (${secs}s)`);
  }
}
