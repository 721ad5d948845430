// Identifiers the master and agents mint, and the checks every id from a
// client passes: 1-255 bytes of printable ASCII, no '/' (ids become path
// segments of sandboxes), not '.' or '..'.

import { randomBytes, randomUUID } from 'node:crypto';

/** A fresh id, e.g. for an agent, framework, offer or stream. */
export function newId(): string {
  return randomUUID();
}

/** 16 random bytes: the uuid of a status update. */
export function newUpdateUuid(): Buffer {
  return randomBytes(16);
}

/** Why `id` is not a valid client-chosen id, or undefined when it is. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'must be a string';
  if (id.length === 0) return 'must not be empty';
  if (Buffer.byteLength(id) > 255) return 'must be at most 255 bytes';
  if (id === '.' || id === '..') return `must not be '${id}'`;
  if (id.includes('/')) return "must not contain '/'";
  if (!/^[\x21-\x7e]+$/.test(id)) return 'must be printable ASCII without spaces';
  return undefined;
}

/** Throws a TypeError "<field>: <problem>" when `id` is not a valid id. */
export function checkId(field: string, id: unknown): string {
  const problem = idProblem(id);
  if (problem) throw new TypeError(`${field}: ${problem} (got ${JSON.stringify(id)?.slice(0, 80)})`);
  return id as string;
}
