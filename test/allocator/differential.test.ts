// Differential test: the native allocator and the TypeScript reference must
// agree on seeded random histories (see differential.ts). A failure names its
// seed: replay it with `node --import tsx test/allocator/replay.ts <seed> [spread]`.

import { test } from 'uvu';

import { runHistory } from './differential.ts';
import { seeds } from './random.ts';

for (const placement of ['binpack', 'spread'] as const) {
  test(`native and reference agree on seeded random histories (${placement})`, () => {
    for (const seed of seeds(Number(process.env.SEEDS ?? 60), placement === 'binpack' ? 1 : 10_001)) {
      runHistory(seed, { placement }, 120);
    }
  });
}

test('native and reference agree with a custom minimum allocatable', () => {
  for (const seed of seeds(20, 20_001)) runHistory(seed, { minAllocatable: [{ cpus: 1 }, { mem: 512, ports: 1 }] }, 80);
});

test.run();
