// What a native container leaves on disk so that it can outlive its agent:
// one directory per container, <workDir>/meta/native-containers/<container-id>/,
// holding
//
//   container.json  its leader's pid and start time, its memory limit and GPUs
//                   (written by the agent right after the launch)
//   exit-status     the task's exit status, written by the container's init
//                   just before it exits
//
// The init (launcher.ts) is what outlives an agent that dies or stops leaving
// its tasks running: a later agent, which is not the container's parent and
// gets no exit event, watches the leader's pid and then reads the status the
// init left here. The directory goes when the container's end is handled.

import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isSameLiveProcess, startTime } from '../proc.js';

export interface RunRecord {
  containerId: string;
  pid: number;
  startTime: string | null;
  memoryLimitBytes?: number;
  gpus: number[];
}

export interface FoundRun {
  containerId: string;
  /** undefined when container.json is missing or unreadable (the agent died mid-launch, or a file of an older agent). */
  record?: RunRecord;
  /** The recorded leader still runs. */
  alive: boolean;
  /** The status the init wrote, once the task has ended. */
  exitStatus?: number;
}

export class RunDirs {
  constructor(private readonly root: string) {}

  dir(containerId: string): string {
    return path.join(this.root, containerId);
  }

  /** Where the init writes the task's exit status. */
  exitStatusFile(containerId: string): string {
    return path.join(this.dir(containerId), 'exit-status');
  }

  /** Made before the container starts, so its init has somewhere to write. */
  create(containerId: string): void {
    const dir = this.dir(containerId);
    rmSync(dir, { recursive: true, force: true }); // a run of the same id long ago
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  write(record: Omit<RunRecord, 'startTime'>): void {
    const file = path.join(this.dir(record.containerId), 'container.json');
    const full: RunRecord = { ...record, startTime: startTime(record.pid) };
    // Whole or not at all: a torn record would lose the container at the next restart.
    writeFileSync(file + '.tmp', JSON.stringify(full));
    renameSync(file + '.tmp', file);
  }

  remove(containerId: string): void {
    rmSync(this.dir(containerId), { recursive: true, force: true });
  }

  readExitStatus(containerId: string): number | undefined {
    try {
      const text = readFileSync(this.exitStatusFile(containerId), 'utf8').trim();
      const status = Number(text);
      return text !== '' && Number.isInteger(status) && status >= 0 && status <= 255 ? status : undefined;
    } catch {
      return undefined;
    }
  }

  readAll(): FoundRun[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.map((containerId) => {
      const record = this.readRecord(containerId);
      return {
        containerId,
        record,
        alive: record !== undefined && isSameLiveProcess(record.pid, record.startTime),
        exitStatus: this.readExitStatus(containerId),
      };
    });
  }

  /**
   * An entry that is a plain file holds an older agent's {pid, startTime}
   * checkpoint: found for killing, never re-attached.
   */
  legacyPid(containerId: string): { pid: number; startTime: string | null } | undefined {
    const file = this.dir(containerId);
    try {
      if (!statSync(file).isFile()) return undefined;
      const { pid, startTime: recorded } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startTime: string | null };
      return Number.isInteger(pid) ? { pid, startTime: recorded ?? null } : undefined;
    } catch {
      return undefined;
    }
  }

  private readRecord(containerId: string): RunRecord | undefined {
    try {
      const json = JSON.parse(readFileSync(path.join(this.dir(containerId), 'container.json'), 'utf8')) as Partial<RunRecord>;
      if (!Number.isInteger(json.pid) || (json.pid ?? 0) <= 0) return undefined;
      return {
        containerId,
        pid: json.pid!,
        startTime: typeof json.startTime === 'string' ? json.startTime : null,
        memoryLimitBytes: typeof json.memoryLimitBytes === 'number' ? json.memoryLimitBytes : undefined,
        gpus: Array.isArray(json.gpus) ? json.gpus.filter((g): g is number => Number.isInteger(g)) : [],
      };
    } catch {
      return undefined;
    }
  }
}
