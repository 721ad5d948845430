// The conformance harness: every scenario is stated once, against AllocatorApi,
// and registered with uvu for each implementation of the allocator —
// `both('name', (make) => {...})` registers `native: name` and `reference: name`,
// where `make(options?)` builds a fresh allocator of that implementation.

import { Allocator } from '@tessera/allocator';
import type { AllocatorApi, AllocatorOptions } from '@tessera/allocator/types';
import { ReferenceAllocator } from '@tessera/allocator-reference';
import { test } from 'uvu';

export type Make = (options?: AllocatorOptions) => AllocatorApi;

export const IMPLEMENTATIONS = {
  native: (options?: AllocatorOptions): AllocatorApi => new Allocator(options),
  reference: (options?: AllocatorOptions): AllocatorApi => new ReferenceAllocator(options),
} satisfies Record<string, Make>;

export type Implementation = keyof typeof IMPLEMENTATIONS;

type Body = (make: Make) => void | Promise<void>;

/** Registers `native: name` and `reference: name`, each running `body` with its `make`. */
export function both(name: string, body: Body): void {
  for (const [impl, make] of Object.entries(IMPLEMENTATIONS)) test(`${impl}: ${name}`, () => body(make));
}

/**
 * A scenario one implementation gets wrong today: it runs on the others, and is
 * registered skipped, as `<impl>: BUG: name`, on those named in `bugs` (the
 * value says what goes wrong), like the `BUG:` cases of bad-input.test.ts.
 */
both.bug = (name: string, bugs: Partial<Record<Implementation, string>>, body: Body): void => {
  for (const [impl, make] of Object.entries(IMPLEMENTATIONS)) {
    if (bugs[impl as Implementation] === undefined) test(`${impl}: ${name}`, () => body(make));
    else test.skip(`${impl}: BUG: ${name}`, () => body(make));
  }
};
