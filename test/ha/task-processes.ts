// What really runs: every task process the agents start carries
// TESSERA_TASK_ID and TESSERA_FRAMEWORK_ID in its environment (posix, native
// and the processes a task forks alike), so /proc tells which tasks have
// processes alive, whatever the agents or the master say. Needs root to read
// other users' /proc/<pid>/environ (tests run as root; a task run as another
// user is not seen otherwise).

import { readdirSync, readFileSync } from 'node:fs';

export interface TaskProcess {
  pid: number;
  frameworkId: string;
  taskId: string;
  sandbox: string;
}

/** Live (not zombie) processes of tasks, optionally only those whose sandbox is under `under`. */
export function taskProcesses(under?: string): TaskProcess[] {
  const found: TaskProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let environ: string;
    let stat: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile, or a kernel thread
    }
    if (!environ.includes('TESSERA_TASK_ID=')) continue;
    // Field 3, after the parenthesised command (which may hold spaces).
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
    const vars = new Map<string, string>();
    for (const kv of environ.split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) vars.set(kv.slice(0, i), kv.slice(i + 1));
    }
    const sandbox = vars.get('TESSERA_SANDBOX') ?? '';
    if (under && !sandbox.startsWith(under)) continue;
    found.push({ pid: Number(name), frameworkId: vars.get('TESSERA_FRAMEWORK_ID') ?? '', taskId: vars.get('TESSERA_TASK_ID') ?? '', sandbox });
  }
  return found;
}

/** task key `${frameworkId}/${taskId}` → pids. */
export function runningTasks(under?: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const p of taskProcesses(under)) {
    const key = `${p.frameworkId}/${p.taskId}`;
    m.set(key, [...(m.get(key) ?? []), p.pid]);
  }
  return m;
}

/** SIGKILLs every task process under `under` (a harness's temp dir): what a failed test left. */
export function killTaskProcesses(under: string): number {
  let n = 0;
  for (const p of taskProcesses(under)) {
    try {
      process.kill(p.pid, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
