// Scalars live as integer thousandths so that sums and differences are exact and
// the Rust core, which stores u64 thousandths, computes the very same numbers.

import { InvalidResourceError } from '@tessera/allocator/errors';

/** The largest amount in thousandths: doubles hold integers exactly up to here. */
export const MAX_THOUSANDTHS = Number.MAX_SAFE_INTEGER;

/** The largest range bound. */
export const MAX_RANGE_VALUE = Number.MAX_SAFE_INTEGER;

const MIN_NORMAL = 2.2250738585072014e-308;

/** Builds the error for a bad amount; resources and quotas use InvalidResourceError. */
export type Failure = (message: string) => Error;

const invalidResource: Failure = (message) => new InvalidResourceError(message);

/**
 * Checks an amount crossing the API and converts it to thousandths. A positive
 * amount that would round to zero is refused rather than silently dropped.
 */
export function toThousandths(value: unknown, path: string, fail: Failure = invalidResource): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw fail(`${path}: must be a number (got ${describe(value)})`);
  }
  if (!Number.isFinite(value)) throw fail(`${path}: must be finite (got ${value})`);
  if (value < 0) throw fail(`${path}: must not be negative (got ${value})`);
  if (value !== 0 && value < MIN_NORMAL) throw fail(`${path}: must not be subnormal (got ${value})`);
  const t = Math.round(value * 1000);
  if (t > MAX_THOUSANDTHS) throw fail(`${path}: must be at most ${MAX_THOUSANDTHS / 1000} (got ${value})`);
  if (value > 0 && t === 0) throw fail(`${path}: must be 0 or at least 0.001 (got ${value})`);
  // Math.round(-0) is -0; a zero amount is plain zero.
  return t === 0 ? 0 : t;
}

/** `gpus` are whole devices. */
export function checkWholeGpus(name: string, t: number, path: string, fail: Failure = invalidResource): void {
  if (name === 'gpus' && t % 1000 !== 0) {
    throw fail(`${path}: gpus must be a whole number (got ${t / 1000})`);
  }
}

/** The value handed back to callers. */
export function fromThousandths(t: number): number {
  return t / 1000;
}

/** Thousandths printed without trailing zeros: `3`, `2.5`, `0.125`. */
export function canonicalDecimal(t: number): string {
  const fraction = t % 1000;
  const whole = (t - fraction) / 1000;
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
