// Runs a check's helper program with a deadline: its own process group, so a
// timeout kills whatever it started too (a hung `sh -c` leaves no children
// behind). The tail of its output goes into the health message.

import { spawn } from 'node:child_process';

/** Output kept for the message; checks can be chatty. */
const OUTPUT_TAIL_BYTES = 512;

export interface ProgramRun {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  uid?: number;
  gid?: number;
  /** Aborted (the checker stopped): the program is killed at once. */
  signal?: AbortSignal;
}

export interface ProgramResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Could not start (ENOENT, EACCES, ...). */
  error?: string;
  /** The last bytes of stdout and stderr together, trimmed. */
  output: string;
}

export function runProgram(argv: readonly string[], run: ProgramRun): Promise<ProgramResult> {
  return new Promise((resolve) => {
    let output = Buffer.alloc(0);
    let timedOut = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(run.uid !== undefined ? { uid: run.uid, gid: run.gid } : {}),
    });
    const keep = (chunk: Buffer) => {
      output = Buffer.concat([output, chunk]);
      if (output.length > OUTPUT_TAIL_BYTES) output = output.subarray(output.length - OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, run.timeoutMs);
    run.signal?.addEventListener('abort', killGroup, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', killGroup);
      resolve({ code: null, signal: null, timedOut: false, error: err.message, output: '' });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', killGroup);
      killGroup(); // whatever the check left running in its group
      resolve({ code, signal, timedOut, output: output.toString('utf8').trim() });
    });
  });
}
