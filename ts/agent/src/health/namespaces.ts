// Which of a task's namespaces differ from the agent's, as nsenter flags.
// A check must see what the task sees (Mesos enters the task's mount and
// network namespaces): a command check its files and processes, an HTTP or
// TCP check its loopback. For a task in the agent's own namespaces (the POSIX
// containerizer, host networking) there is nothing to enter and the check
// runs as a plain child of the agent.

import { readlink } from 'node:fs/promises';

/** Namespace kinds a check enters, with util-linux nsenter's flag for each. */
const KINDS = [
  ['mnt', '--mount'],
  ['uts', '--uts'],
  ['ipc', '--ipc'],
  ['net', '--net'],
  ['pid', '--pid'],
] as const;

export type NamespaceKind = (typeof KINDS)[number][0];

/**
 * nsenter flags for the namespaces of `pid` that are not the agent's, limited
 * to `kinds`. Empty when the process shares them all, or is gone (the check
 * then fails on its own, as the task is ending).
 */
export async function foreignNamespaceFlags(pid: number, kinds: readonly NamespaceKind[] = KINDS.map(([kind]) => kind)): Promise<string[]> {
  const flags: string[] = [];
  for (const [kind, flag] of KINDS) {
    if (!kinds.includes(kind)) continue;
    const [theirs, ours] = await Promise.all([link(`/proc/${pid}/ns/${kind}`), link(`/proc/self/ns/${kind}`)]);
    if (theirs !== undefined && ours !== undefined && theirs !== ours) flags.push(flag);
  }
  return flags;
}

/** argv prefix running a program in `pid`'s namespaces given by `flags` (its working directory too, when it has its own mounts). */
export function nsenterPrefix(pid: number, flags: readonly string[]): string[] {
  if (flags.length === 0) return [];
  // --wd with no directory: the target's working directory, which is the
  // sandbox as the task sees it (it may be mounted elsewhere inside).
  const wd = flags.includes('--mount') ? ['--wd'] : [];
  return ['nsenter', `--target=${pid}`, ...flags, ...wd, '--'];
}

async function link(file: string): Promise<string | undefined> {
  try {
    return await readlink(file);
  } catch {
    return undefined;
  }
}
