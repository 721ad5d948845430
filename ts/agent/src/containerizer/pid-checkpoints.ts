// One small file per running container, <dir>/<container-id>, holding its
// leader's pid and start time (from /proc), so a restarted agent can find the
// process groups its earlier run left and tell them from unrelated processes
// that reused the pid.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { startTime } from './proc.js';

export interface PidRecord {
  containerId: string;
  pid: number;
  /** The recorded process is still the one running under that pid. */
  alive: boolean;
}

export class PidCheckpoints {
  constructor(private readonly dir: string) {}

  write(containerId: string, pid: number): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(path.join(this.dir, containerId), JSON.stringify({ pid, startTime: startTime(pid) }));
  }

  remove(containerId: string): void {
    rmSync(path.join(this.dir, containerId), { force: true });
  }

  readAll(): PidRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((containerId) => {
      try {
        const { pid, startTime: recorded } = JSON.parse(readFileSync(path.join(this.dir, containerId), 'utf8')) as {
          pid: number;
          startTime: string | null;
        };
        const now = startTime(pid);
        return [{ containerId, pid, alive: now !== null && (recorded === null || now === recorded) }];
      } catch {
        return [{ containerId, pid: 0, alive: false }];
      }
    });
  }
}
