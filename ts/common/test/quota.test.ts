import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Quota, toAllocatorQuantities, toAllocatorQuota } from '../src/index.js';

test('toAllocatorQuota: guarantees and limits become quantities by name', () => {
  const quota = Quota.create({
    guarantees: { quantities: { cpus: 8, mem: 16384 } },
    limits: { quantities: { cpus: 16.5, mem: 32768, gpus: 0 } },
  });
  assert.equal(toAllocatorQuota(quota), {
    guarantees: { cpus: 8, mem: 16384 },
    limits: { cpus: 16.5, mem: 32768, gpus: 0 },
  });
});

test('binary: a limit of 0 (forbid gpus) survives encode/decode; it is not "no limit"', () => {
  const quota = Quota.create({ limits: { quantities: { gpus: 0, cpus: 4 } } });
  const decoded = Quota.decode(Quota.encode(quota).finish());
  assert.equal(toAllocatorQuota(decoded), { limits: { gpus: 0, cpus: 4 } });
});

test('toAllocatorQuota: absent guarantees and limits mean none', () => {
  assert.equal(toAllocatorQuota(Quota.create({})), {});
  const decoded = Quota.decode(Quota.encode(Quota.create({ guarantees: { quantities: { mem: 512 } } })).finish());
  assert.equal(toAllocatorQuota(decoded), { guarantees: { mem: 512 } });
});

test('toAllocatorQuantities copies: changing the result leaves the message alone', () => {
  const message = { quantities: { cpus: 1 } };
  const quantities = toAllocatorQuantities(message);
  quantities['cpus'] = 2;
  assert.is(message.quantities.cpus, 1);
});

test.run();
