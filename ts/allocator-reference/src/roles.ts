// Role names and the role tree: `eng/ml/train` is a child of `eng/ml`, which is a
// child of the top-level role `eng`. `*` is the default role and has no children.

import { InvalidRoleError } from '@tessera/allocator/errors';
import { describe } from './units.js';

export const DEFAULT_ROLE = '*';

export function isValidRole(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  if (name === DEFAULT_ROLE) return true;
  if (name.length < 1 || name.length > 255) return false;
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment === '*') return false;
    if (segment.startsWith('-')) return false;
    for (let i = 0; i < segment.length; i++) {
      const c = segment.charCodeAt(i);
      // Printable ASCII without whitespace or backslash.
      if (c < 0x21 || c > 0x7e || c === 0x5c) return false;
    }
  }
  return true;
}

export function checkRole(name: unknown, path: string): string {
  if (!isValidRole(name)) throw new InvalidRoleError(`${path}: not a valid role name (got ${describe(name)})`);
  return name;
}

/** The parent role, or null for a top-level role. */
export function parentOf(role: string): string | null {
  const slash = role.lastIndexOf('/');
  return slash < 0 ? null : role.slice(0, slash);
}

/** The role itself, then its parent, and so on up to its top-level ancestor. */
export function selfAndAncestors(role: string): string[] {
  const chain = [role];
  for (let p = parentOf(role); p !== null; p = parentOf(p)) chain.push(p);
  return chain;
}

/** Whether `role` is `ancestor` or lies in its subtree. */
export function inSubtree(role: string, ancestor: string): boolean {
  return role === ancestor || (role.startsWith(ancestor) && role.charCodeAt(ancestor.length) === 0x2f);
}

/**
 * Whether a resource reserved to `reservation` may be given to `role`: a
 * reservation serves its role and every descendant; `*` is served by none.
 */
export function reservationServes(reservation: string, role: string): boolean {
  return role !== DEFAULT_ROLE && inSubtree(role, reservation);
}
