// What /proc says about a process the agent may not be the parent of: its
// start time (field 22 of /proc/<pid>/stat, clock ticks since boot), which
// tells the process a checkpoint names from an unrelated one that reused its
// pid, and whether it still runs (a zombie no longer does).

import { readFileSync } from 'node:fs';

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The process's start time, or null when there is no such process. */
export function startTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

/**
 * Whether `pid` is still the process that started at `recorded` and has not
 * exited (a zombie waiting for its parent to reap it has). A null `recorded`
 * (it could not be read at launch) trusts the pid alone.
 */
export function isSameLiveProcess(pid: number, recorded: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = procStat(pid);
  if (!now || now.state === 'Z' || now.state === 'X') return false;
  return recorded === null || now.startTime === recorded;
}

/**
 * Resolves when the process ends (goes, turns zombie, or its pid is taken by
 * another process), polling every `intervalMs`: the agent that re-attached
 * it is not its parent, so no exit event comes (and Node has no pidfd).
 * `stop` ends the watch without resolving (the agent lets go of it).
 */
export function watchProcessEnd(pid: number, recorded: string | null, intervalMs: number): { ended: Promise<void>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const ended = new Promise<void>((resolve) => {
    const check = () => {
      if (stopped) return;
      if (!isSameLiveProcess(pid, recorded)) resolve();
      else timer = setTimeout(check, intervalMs);
    };
    timer = setTimeout(check, intervalMs);
  });
  return {
    ended,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
