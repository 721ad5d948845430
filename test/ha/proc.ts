// One real child process of the fault-injection harness: started with its
// argv, its output kept (in memory and in a log file) so tests can wait for
// a line, and operations on it — SIGKILL, SIGSTOP/SIGCONT, a clean stop, and
// a restart with the same argv (so the same work dir).

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface ProcExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcOptions {
  name: string;
  /** argv after the node binary. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where stdout and stderr are appended (kept when a test fails). */
  logFile: string;
  /** Called on every start (also restarts) with the new child, e.g. to wire stdin. */
  onStart?: (child: ChildProcess) => void;
  /** Called when a run ends (after the exit waiters). */
  onExit?: (e: ProcExit) => void;
}

export class Proc {
  readonly name: string;
  args: string[];
  private child!: ChildProcess;
  private out = '';
  private exitInfo: ProcExit | undefined;
  private exitWaiters: Array<(e: ProcExit) => void> = [];
  private lineWaiters: Array<() => void> = [];
  /** Every start, counting restarts. */
  starts = 0;

  constructor(private readonly opts: ProcOptions) {
    this.name = opts.name;
    this.args = opts.args;
    this.start();
  }

  /** Output of earlier runs, in order (a restart starts `output` afresh). */
  readonly earlierOutputs: string[] = [];

  private start(): void {
    if (this.starts > 0) this.earlierOutputs.push(this.out);
    this.out = '';
    this.exitInfo = undefined;
    this.starts++;
    appendFileSync(this.opts.logFile, `\n===== ${this.name} start #${this.starts}: node ${this.args.join(' ')}\n`);
    const child = spawn(process.execPath, this.args, {
      env: this.opts.env ?? process.env,
      ...(this.opts.cwd ? { cwd: this.opts.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (this.child === child) this.out += text;
      appendFileSync(this.opts.logFile, text);
      for (const w of this.lineWaiters.splice(0)) w();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.stdin!.on('error', () => undefined); // a killed child's stdin: EPIPE is expected
    child.on('exit', (code, signal) => {
      const e = { code, signal };
      appendFileSync(this.opts.logFile, `\n===== ${this.name} exited: ${code ?? signal}\n`);
      if (this.child !== child) return;
      this.exitInfo = e;
      for (const w of this.exitWaiters.splice(0)) w(e);
      for (const w of this.lineWaiters.splice(0)) w();
      this.opts.onExit?.(e);
    });
    this.opts.onStart?.(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stdin(): NodeJS.WritableStream {
    return this.child.stdin!;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Output (stdout + stderr) of the current run. */
  get output(): string {
    return this.out;
  }

  /** The current run's exit, once it ended. */
  get exit(): ProcExit | undefined {
    return this.exitInfo;
  }

  /** Resolves with the current run's exit (at once if it already ended). */
  exited(timeoutMs = 30_000): Promise<ProcExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.exitWaiters.push((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  /** Waits for output of the current run matching `pattern`; fails early if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs = 20_000, what = String(pattern)): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => done(new Error(`${this.name}: no output matching ${what} within ${timeoutMs} ms; output:\n${this.tail()}`)), timeoutMs);
      const done = (err?: Error, m?: RegExpExecArray): void => {
        clearTimeout(deadline);
        const i = this.lineWaiters.indexOf(check);
        if (i >= 0) this.lineWaiters.splice(i, 1);
        if (err) reject(err);
        else resolve(m!);
      };
      const check = (): void => {
        const m = pattern.exec(this.out);
        if (m) return done(undefined, m);
        if (this.exitInfo) return done(new Error(`${this.name} exited (${this.exitInfo.code ?? this.exitInfo.signal}) before output matching ${what}; output:\n${this.tail()}`));
        this.lineWaiters.push(check);
      };
      check();
    });
  }

  /** The JSON log lines (pino) whose `msg` is `msg`, of the current run (or of `text`). */
  logLines(msg: string, text = this.out): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (j.msg === msg) lines.push(j);
      } catch {
        // a line cut short by a kill
      }
    }
    return lines;
  }

  tail(chars = 4000): string {
    return this.out.slice(-chars);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** kill -9, and wait until the kernel reaped it. */
  async kill(): Promise<ProcExit> {
    this.signal('SIGKILL');
    return this.exited();
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** SIGTERM (after SIGCONT, in case it is paused), SIGKILL after `graceMs`. */
  async stop(graceMs = 8000): Promise<ProcExit> {
    if (!this.running) return this.exitInfo!;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    try {
      return await this.exited(graceMs);
    } catch {
      return this.kill();
    }
  }

  /** Starts it again with the same argv (or `args`), after the previous run ended. */
  restart(args?: string[]): void {
    if (this.running) throw new Error(`${this.name} still runs (pid ${this.pid}): kill or stop it before restart()`);
    if (args) this.args = args;
    this.start();
  }
}
