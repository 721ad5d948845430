// GPU bookkeeping and device rules, without a GPU (this machine has none):
// which indices a container gets, that they come back, and the devices.deny
// lines and environment that follow.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { GpuAllocator, gpuDenyLines, gpuEnvironment } from '../src/containerizer/native/gpus.js';

test('containers get the lowest free indices, and give them back when they end', () => {
  const gpus = new GpuAllocator([0, 1, 2, 3]);
  assert.equal(gpus.allocate('a', 2), [0, 1]);
  assert.equal(gpus.allocate('b', 1), [2]);
  assert.is(gpus.freeCount(), 1);
  gpus.release('a');
  assert.equal(gpus.allocate('c', 3), [0, 1, 3]);
  assert.equal(gpus.allocate('d', 0), []);
  gpus.release('unknown'); // a no-op
  assert.is(gpus.freeCount(), 0);
});

test('asking for more than is free, a fraction, or twice is refused and changes nothing', () => {
  const gpus = new GpuAllocator([0, 1]);
  gpus.allocate('a', 1);
  assert.throws(() => gpus.allocate('b', 2), /2 requested but 1 of this agent's 2 are free/);
  assert.throws(() => gpus.allocate('b', 0.5), /whole number/);
  assert.throws(() => gpus.allocate('a', 1), /already holds/);
  assert.is(gpus.freeCount(), 1);
});

test('devices.deny: every GPU but the container\'s own (major 195)', () => {
  assert.equal(gpuDenyLines([0, 1, 2], [1]), ['c 195:0 rwm', 'c 195:2 rwm']);
  assert.equal(gpuDenyLines([0, 1], []), ['c 195:0 rwm', 'c 195:1 rwm']);
  assert.equal(gpuDenyLines([0], [0]), []);
});

test('environment names the container\'s GPUs; none hides them all', () => {
  assert.equal(gpuEnvironment([0, 2]), { NVIDIA_VISIBLE_DEVICES: '0,2', CUDA_VISIBLE_DEVICES: '0,2' });
  assert.equal(gpuEnvironment([]), { NVIDIA_VISIBLE_DEVICES: 'void', CUDA_VISIBLE_DEVICES: '' });
});

test.run();
