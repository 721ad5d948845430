// Which of a task's namespaces differ from the agent's, as nsenter flags.
// A check must see what the task sees (Mesos enters the task's mount and
// network namespaces): a command check its files and processes, an HTTP or
// TCP check its loopback. For a task in the agent's own namespaces (the POSIX
// containerizer, host networking) there is nothing to enter and the check
// runs as a plain child of the agent.

import { readFile, readlink } from 'node:fs/promises';

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

/**
 * argv prefix running a program in `pid`'s namespaces given by `flags` (its
 * working directory too, when it has its own mounts), as `user` when given:
 * nsenter needs root to enter, so it switches user itself, inside.
 */
export function nsenterPrefix(pid: number, flags: readonly string[], user?: { uid: number; gid: number }): string[] {
  if (flags.length === 0) return [];
  // --wd with no directory: the target's working directory, which is the
  // sandbox as the task sees it (it may be mounted elsewhere inside).
  const wd = flags.includes('--mount') ? ['--wd'] : [];
  const as = user ? [`--setgid=${user.gid}`, `--setuid=${user.uid}`] : [];
  return ['nsenter', `--target=${pid}`, ...flags, ...wd, ...as, '--'];
}

/**
 * The process whose namespaces are the container's. Usually the container's
 * leader (Container.pid); but a leader that made a new PID namespace only for
 * its children (util-linux `unshare --fork --pid`, as the native containerizer
 * starts containers) is outside it, and its child, the container's init, is
 * the one to enter.
 */
export async function containerProcess(leader: number): Promise<number> {
  const [own, forChildren] = await Promise.all([link(`/proc/${leader}/ns/pid`), link(`/proc/${leader}/ns/pid_for_children`)]);
  if (own === undefined || forChildren === undefined || own === forChildren) return leader;
  try {
    const children = (await readFile(`/proc/${leader}/task/${leader}/children`, 'utf8')).trim().split(/\s+/).map(Number);
    return children.find((pid) => Number.isInteger(pid) && pid > 0) ?? leader;
  } catch {
    return leader;
  }
}

async function link(file: string): Promise<string | undefined> {
  try {
    return await readlink(file);
  } catch {
    return undefined;
  }
}
