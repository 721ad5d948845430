// The reference's own validation details. Which code each bad call throws, and
// that it leaves the state as it was, is the conformance suite's
// (test/allocator/conformance/errors.test.ts); the messages are each
// implementation's own.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AllocatorError, InvalidArgumentError } from '@tessera/allocator/errors';
import { ReferenceAllocator } from '../src/index.js';
import { agent, throwsCode } from '../../../test/allocator/conformance/builders.js';

test('errors are typed, coded and name the field', () => {
  // the reference names a single agent `agents[0]`; the native package `agent` (bad-input.test.ts)
  const err = throwsCode(
    () => new ReferenceAllocator().addAgent(agent('ag3').cpus(1).mem(-5).build()),
    'ERR_INVALID_RESOURCE',
    /^addAgent: agents\[0\]\.resources\[1\]\.scalar: must not be negative \(got -5\)$/,
  );
  assert.instance(err, AllocatorError);
});

test('the random sorter is not implemented: the constructor refuses it', () => {
  assert.throws(() => new ReferenceAllocator({ sorter: 'random' }), (err: unknown) => err instanceof InvalidArgumentError);
});

test.run();
