// Checks of operator input — query parameters and JSON bodies — that fail
// with an HttpError 400 whose message starts with the field's name, before
// anything changes.

import { idProblem } from '@tessera/common';

import { HttpError } from '../operator-kill.js';

export function badRequest(field: string, problem: string): HttpError {
  return new HttpError(400, `${field}: ${problem}`);
}

/** The body as an object with only the fields named (a typo is an error, not ignored). */
export function bodyObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!allowed.includes(key)) throw badRequest(key, `unknown field (expected ${allowed.join(', ')})`);
  }
  return b;
}

export function idField(b: Record<string, unknown>, name: string): string {
  const problem = idProblem(b[name]);
  if (problem) throw badRequest(name, problem);
  return b[name] as string;
}

/** An optional finite number >= 0. */
export function optionalSeconds(b: Record<string, unknown>, name: string): number | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(name, `must be a finite number >= 0 (got ${JSON.stringify(v)})`);
  return v;
}

/** A query parameter that must be an integer in [min, max]; `fallback` when absent. */
export function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(name, `must be an integer in [${min}, ${max}] (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** A query parameter that must be one of `values`; undefined when absent. */
export function enumParam<T extends string>(params: URLSearchParams, name: string, values: readonly T[]): T | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!(values as readonly string[]).includes(raw)) throw badRequest(name, `must be one of ${values.join(', ')} (got ${JSON.stringify(raw)})`);
  return raw as T;
}

/** An optional id-shaped query parameter. */
export function idParam(params: URLSearchParams, name: string): string | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const problem = idProblem(raw);
  if (problem) throw badRequest(name, problem);
  return raw;
}

/** Only the query parameters named: a misspelt filter would otherwise silently return everything. */
export function onlyParams(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) throw badRequest(key, `unknown query parameter (expected ${allowed.join(', ') || 'none'})`);
  }
}
