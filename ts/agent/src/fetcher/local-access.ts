// A file URI is copied by the agent, which is usually root; a task that runs
// as another user must not get, through the fetcher, a file that user could
// not read itself (/etc/shadow). Mesos runs its fetcher as the task's user;
// here the copy stays in the agent, so the permission check is done by hand:
// search (x) on every directory of the real path and read (r) on the file,
// by owner, then group (primary and /etc/group memberships), then others.

import { readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

import type { PosixUser } from '../containerizer/users.js';
import { FetchError } from './errors.js';

export async function checkReadableBy(uri: string, file: string, user: PosixUser): Promise<void> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return; // missing: the copy fails with ENOENT, which says it better
  }
  const groups = groupsOf(user);
  const parts = real.split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const target = path.sep + parts.slice(0, i).join(path.sep);
    const isFile = i === parts.length;
    const info = await stat(target);
    const bit = isFile ? 4 : 1; // r on the file, x on each directory
    const shift = info.uid === user.uid ? 6 : groups.has(info.gid) ? 3 : 0;
    if (((info.mode >> shift) & bit) === 0) {
      throw new FetchError(uri, `user '${user.name}' may not ${isFile ? 'read' : 'search'} '${target}'; the fetcher gives a task only files its user can read`);
    }
  }
}

function groupsOf(user: PosixUser): Set<number> {
  const groups = new Set([user.gid]);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [, , gid, members] = line.split(':');
      if (gid !== undefined && members?.split(',').includes(user.name)) groups.add(Number(gid));
    }
  } catch {
    // No /etc/group: the primary group alone.
  }
  return groups;
}
