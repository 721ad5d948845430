// Small waiting helpers for the HA tests (uvu has no per-test timeout).

import type { EventEmitter } from 'node:events';

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

export function once<T = unknown>(emitter: EventEmitter, event: string, ms: number, what = event): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.once(event, (v: T) => resolve(v))),
    ms,
    what,
  );
}

/** Polls `cond` every 50 ms until true. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
