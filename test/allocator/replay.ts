// Replays one differential history with a log of its operations:
//   node --import tsx test/allocator/replay.ts <seed> [binpack|spread] [ops]

import { runHistory } from './differential.ts';

const [seed = '1', placement = 'binpack', ops = '120'] = process.argv.slice(2);
const lines: string[] = [];
try {
  runHistory(Number(seed), { placement: placement as 'binpack' | 'spread' }, Number(ops), (l) => lines.push(l));
  console.log(`seed ${seed}: native and reference agree over ${lines.length} operations`);
} catch (e) {
  console.log(lines.map((l, i) => `${String(i).padStart(4)} ${l}`).join('\n'));
  const err = e as { message?: string; details?: string };
  console.log(`\n${err.message}\n${(err.details ?? '').replace(/\x1b\[[0-9;]*m/g, '')}`);
  process.exit(1);
}
