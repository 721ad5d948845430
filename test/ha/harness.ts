// The fault-injection harness: a real Tessera cluster in a temporary
// directory, on loopback with ephemeral ports — a ZooKeeper ensemble
// (ZkEnsemble), masters and agents as `tessera` processes (the built CLI),
// frameworks in this process (SdkFramework) or as processes of their own
// (framework-process.ts) — with the faults a scenario injects: SIGKILL,
// SIGSTOP/SIGCONT, a restart with the same work dir, and a network partition
// between an agent and its master (TcpProxy). Every update a framework gets
// goes to the harness's Oracle.
//
// stop() tears everything down even when the test failed half-way: frameworks,
// agents, masters, task processes left under the directory, proxies, the
// ensemble, the directory (kept with TESSERA_KEEP_HA=1). A process exit
// handler SIGKILLs what is still running should the test process die first;
// should it be SIGKILLed itself, the next Harness.start() reaps what it left.

import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Oracle } from './oracle.ts';
import { Proc, type ProcExit } from './proc.ts';
import { SdkFramework, type FrameworkConfig, type FrameworkEvent, type SeenUpdate, type TaskSpec } from './sdk-framework.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { killTaskProcesses } from './task-processes.ts';
import { ZkEnsemble, type EnsembleOptions } from './zk-ensemble.ts';
import { until } from './util.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TESSERA = join(ROOT, 'ts/cli/bin/tessera.js');
const HERE = dirname(fileURLToPath(import.meta.url));

/** Every live process of every harness, SIGKILLed if the test process exits before stop(). */
const everyProc = new Set<Proc>();
process.on('exit', () => {
  for (const p of everyProc) if (p.running) p.signal('SIGKILL');
});

export interface HarnessOptions {
  /** Start a ZooKeeper ensemble (3 servers, 500 ms tick unless given). */
  zk?: boolean | EnsembleOptions;
  /** Masters' --agent-ping-interval (s); default 0.5. */
  pingIntervalSeconds?: number;
  /** Masters' --max-agent-ping-timeouts; default 4. */
  maxPingTimeouts?: number;
  /** Masters' --zk-session-timeout (s); default 4. */
  zkSessionTimeoutSeconds?: number;
}

export interface MasterOptions {
  /** Contend through the harness's ensemble (needs `zk`); default: when the harness has one. */
  zk?: boolean;
  args?: string[];
  /**
   * Start it again (as a standby) whenever it exits with code 3 — lost
   * leadership — as its supervisor (systemd, Marathon) would. Default true
   * for --zk masters. Not after a kill or a stop by the test.
   */
  supervise?: boolean;
}

export interface AgentOptions {
  /** Dial this instead of the (first) master: a host:port or zk:// URL. */
  master?: string;
  /** Dial the master through a TcpProxy the test can blackhole or cut. */
  proxy?: boolean;
  hostname?: string;
  resources?: string;
  /** Default posix: plain process groups (see README: why). */
  containerizers?: string;
  /** Resend backoff of unacknowledged updates; runs the agent through agent-process.ts (the CLI has no flag for it). */
  statusUpdateRetry?: { initialMs: number; maxMs: number };
  /** Wait until it registered (default true). */
  waitRegistered?: boolean;
  /** More `tessera agent` flags. */
  args?: string[];
}

export class MasterProc {
  grpc = '';
  http = '';
  id = '';
  /** Exit codes of earlier runs (3 = lost leadership), in order. */
  readonly exits: Array<number | string> = [];
  supervise = false;
  /** Supervised restarts so far. */
  restarts = 0;
  constructor(
    readonly name: string,
    readonly proc: Proc,
    readonly workDir: string,
  ) {}

  async ready(timeoutMs = 30_000): Promise<void> {
    const m = await this.proc.waitForOutput(/tessera master (\S+): gRPC (\S+), HTTP http:\/\/([^/\s]+)\/state/, timeoutMs, `${this.name} ready`);
    this.id = m[1]!;
    this.grpc = m[2]!;
    this.http = m[3]!;
  }

  /** GET /health; undefined when it does not answer within 1 s. */
  async health(): Promise<{ leading?: boolean; leader?: string | null; [k: string]: unknown } | undefined> {
    if (!this.proc.running || !this.http) return undefined;
    try {
      const res = await fetch(`http://${this.http}/health`, { signal: AbortSignal.timeout(1000), redirect: 'manual' });
      if (!res.ok) return undefined;
      return (await res.json()) as { leading?: boolean };
    } catch {
      return undefined;
    }
  }

  /** GET /state of this master (a standby redirects: not followed). */
  async state(): Promise<any> {
    const res = await fetch(`http://${this.http}/state`, { signal: AbortSignal.timeout(5000), redirect: 'manual' });
    if (!res.ok) throw new Error(`${this.name} /state: HTTP ${res.status}`);
    return res.json();
  }

  kill(): Promise<unknown> {
    return this.proc.kill();
  }

  pause(): void {
    this.proc.pause();
  }

  resume(): void {
    this.proc.resume();
  }

  /** Starts it again with its work dir and ports (after it was killed or exited). */
  async restart(): Promise<void> {
    const args = this.proc.args.slice();
    const port = (a: string): string => a.slice(a.lastIndexOf(':') + 1);
    args[args.indexOf('--port') + 1] = port(this.grpc);
    args[args.indexOf('--http-port') + 1] = port(this.http);
    this.proc.restart(args);
    await this.ready();
  }
}

export class AgentProc {
  http = '';
  id = '';
  constructor(
    readonly name: string,
    readonly proc: Proc,
    readonly workDir: string,
    /** Set when the agent dials through a proxy. */
    readonly proxy?: TcpProxy,
  ) {}

  async ready(waitRegistered: boolean, timeoutMs = 30_000): Promise<void> {
    this.http = (await this.proc.waitForOutput(/tessera agent: HTTP http:\/\/([^/\s]+)\/state/, timeoutMs, `${this.name} HTTP`))[1]!;
    if (waitRegistered) await this.registered(timeoutMs);
  }

  async registered(timeoutMs = 30_000): Promise<string> {
    this.id = (await this.proc.waitForOutput(/tessera agent (\S+): registered/, timeoutMs, `${this.name} registered`))[1]!;
    return this.id;
  }

  async state(): Promise<any> {
    const res = await fetch(`http://${this.http}/state`, { signal: AbortSignal.timeout(5000) });
    return res.json();
  }

  /** GET /containers: what the agent says runs. */
  async containers(): Promise<Array<{ frameworkId: string; executorId: string; taskId?: string; containerId: string; pid: number }>> {
    const res = await fetch(`http://${this.http}/containers`, { signal: AbortSignal.timeout(5000) });
    return res.json() as Promise<never>;
  }

  kill(): Promise<unknown> {
    return this.proc.kill();
  }

  pause(): void {
    this.proc.pause();
  }

  resume(): void {
    this.proc.resume();
  }

  /** Starts it again with the same work dir (so the same agent id and checkpoints). */
  async restart(waitRegistered = true): Promise<void> {
    this.proc.restart();
    await this.ready(waitRegistered);
  }
}

/** A framework: in this process, or a process of its own; the same calls on both. */
export interface FrameworkHandle {
  readonly name: string;
  frameworkId(): string | undefined;
  updates(taskId?: string): SeenUpdate[];
  launch(tasks: TaskSpec[]): void;
  ack(uuid: string): void;
  ackAll(): void;
  holdAcks(hold: boolean): void;
  reconcile(tasks?: Array<string | { taskId: string; agentId: string }>): void;
  kill(taskId: string): void;
  /** The events it reported, in order. */
  events(): FrameworkEvent[];
}

export class InProcessFramework implements FrameworkHandle {
  constructor(
    readonly name: string,
    readonly sdk: SdkFramework,
    private readonly oracle: Oracle,
  ) {}
  frameworkId = (): string | undefined => this.sdk.frameworkId;
  updates = (taskId?: string): SeenUpdate[] => this.oracle.updates(this.name, taskId);
  events = (): FrameworkEvent[] => this.oracle.frameworks.get(this.name)?.events ?? [];
  launch = (tasks: TaskSpec[]): void => this.sdk.launch(tasks);
  ack = (uuid: string): void => this.sdk.ack(uuid);
  ackAll = (): void => this.sdk.ackAll();
  holdAcks = (hold: boolean): void => this.sdk.setHoldAcks(hold);
  reconcile = (tasks?: Array<string | { taskId: string; agentId: string }>): void => void this.sdk.reconcile(tasks).catch(() => undefined);
  kill = (taskId: string): void => void this.sdk.kill(taskId).catch(() => undefined);
  close = (): void => this.sdk.close();
}

export class FrameworkProcess implements FrameworkHandle {
  private offset = 0;
  private partial = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly proc: Proc,
    private config: FrameworkConfig,
    private readonly eventsFile: string,
    private readonly oracle: Oracle,
  ) {
    // Tail the events file: what the process wrote before a SIGKILL is all there.
    this.timer = setInterval(() => this.poll(), 25);
  }

  /** Reads new complete lines of the events file into the oracle. */
  poll(): void {
    if (!existsSync(this.eventsFile)) return;
    const buf = readFileSync(this.eventsFile);
    if (buf.length <= this.offset) return;
    const text = this.partial + buf.subarray(this.offset).toString();
    this.offset = buf.length;
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) if (line) this.oracle.observe(this.name, JSON.parse(line) as FrameworkEvent);
  }

  private send(cmd: object): void {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  frameworkId = (): string | undefined => this.oracle.frameworkId(this.name);
  updates = (taskId?: string): SeenUpdate[] => this.oracle.updates(this.name, taskId);
  events = (): FrameworkEvent[] => this.oracle.frameworks.get(this.name)?.events ?? [];
  launch = (tasks: TaskSpec[]): void => this.send({ op: 'launch', tasks });
  ack = (uuid: string): void => this.send({ op: 'ack', uuid });
  ackAll = (): void => this.send({ op: 'ackAll' });
  holdAcks = (hold: boolean): void => this.send({ op: 'hold', value: hold });
  reconcile = (tasks?: Array<string | { taskId: string; agentId: string }>): void => this.send({ op: 'reconcile', taskIds: tasks });
  kill = (taskId: string): void => this.send({ op: 'kill', taskId });

  async ready(timeoutMs = 20_000): Promise<void> {
    await this.proc.waitForOutput(/framework-process .*: started/, timeoutMs, `${this.name} started`);
  }

  /** kill -9: the scheduler dies without a word to the master. */
  killProcess(): Promise<unknown> {
    return this.proc.kill();
  }

  /** Starts the scheduler again as the same framework (its id from the first subscription). */
  async restart(): Promise<void> {
    const id = this.frameworkId();
    if (!id) throw new Error(`${this.name} never subscribed: no framework id to fail over with`);
    this.config = { ...this.config, id };
    this.proc.restart(frameworkArgs(this.config, this.eventsFile));
    await this.ready();
  }

  stopTailing(): void {
    this.poll();
    clearInterval(this.timer);
  }
}

function frameworkArgs(config: FrameworkConfig, eventsFile: string): string[] {
  return ['--import', 'tsx', join(HERE, 'framework-process.ts'), JSON.stringify(config), eventsFile];
}

/**
 * What a harness whose test process died without stop() (SIGKILLed by a CI
 * step timeout: no exit handler runs) left behind — its processes, task
 * processes, ZooKeeper servers, directory — goes when the next harness starts.
 * Only directories whose owner process is gone, and only processes whose
 * command line names that directory.
 */
function reapAbandoned(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('tessera-ha-')) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner'), 'utf8'));
    } catch {
      continue; // not ours, or still being set up
    }
    if (isAlive(owner)) continue;
    const pids = existsSync(join(dir, 'pids')) ? readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number) : [];
    for (const pid of pids) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    killTaskProcesses(dir);
    if (existsSync(join(dir, 'zk-dir'))) {
      const zkDir = readFileSync(join(dir, 'zk-dir'), 'utf8').trim();
      try {
        execFileSync('bash', [join(ROOT, 'scripts/provision-zookeeper.sh'), 'stop', zkDir], { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // already stopped
      }
      if (zkDir.startsWith(join(tmpdir(), 'tessera-zk-'))) rmSync(zkDir, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Harness {
  readonly masters: MasterProc[] = [];
  readonly agents: AgentProc[] = [];
  readonly frameworks: FrameworkHandle[] = [];
  readonly proxies: TcpProxy[] = [];
  readonly oracle: Oracle;
  private readonly procs: Proc[] = [];
  private stopped = false;

  private constructor(
    readonly dir: string,
    readonly zk: ZkEnsemble | undefined,
    private readonly opts: HarnessOptions,
  ) {
    this.oracle = new Oracle(dir);
    mkdirSync(join(dir, 'logs'));
  }

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    reapAbandoned();
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ha-'));
    writeFileSync(join(dir, 'owner'), String(process.pid));
    let zk: ZkEnsemble | undefined;
    try {
      if (opts.zk) {
        zk = await ZkEnsemble.start(opts.zk === true ? {} : opts.zk);
        writeFileSync(join(dir, 'zk-dir'), zk.dir);
      }
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return new Harness(dir, zk, opts);
  }

  private spawn(name: string, args: string[], onExit?: (e: ProcExit) => void): Proc {
    const proc = new Proc({
      name,
      args,
      ...(onExit ? { onExit } : {}),
      env: { ...process.env, TESSERA_LOG_LEVEL: process.env.TESSERA_LOG_LEVEL ?? 'info' },
      logFile: join(this.dir, 'logs', `${name}.log`),
      cwd: ROOT,
    });
    this.procs.push(proc);
    everyProc.add(proc);
    appendFileSync(join(this.dir, 'pids'), `${proc.pid}\n`);
    return proc;
  }

  /** The zk:// URL masters, agents and frameworks use. */
  zkUrl(path = '/tessera'): string {
    if (!this.zk) throw new Error('this harness has no ZooKeeper ensemble (Harness.start({ zk: true }))');
    return this.zk.url(path);
  }

  /** Starts a master (a standalone one unless it contends through ZooKeeper); resolves once it serves. */
  async master(opts: MasterOptions = {}): Promise<MasterProc> {
    const name = `master-${this.masters.length + 1}`;
    const workDir = join(this.dir, name);
    const zk = opts.zk ?? this.zk !== undefined;
    const args = [
      TESSERA, 'master',
      '--work-dir', workDir,
      '--port', '0',
      '--http-port', '0',
      '--agent-ping-interval', String(this.opts.pingIntervalSeconds ?? 0.5),
      '--max-agent-ping-timeouts', String(this.opts.maxPingTimeouts ?? 4),
      ...(zk ? ['--zk', this.zkUrl(), '--zk-session-timeout', String(this.opts.zkSessionTimeoutSeconds ?? 4)] : []),
      ...(opts.args ?? []),
    ];
    let m!: MasterProc;
    const proc = this.spawn(name, args, (e) => {
      m.exits.push(e.code ?? e.signal ?? '?');
      if (m.supervise && e.code === 3 && !this.stopped) {
        setTimeout(() => {
          if (this.stopped || m.proc.running) return;
          m.restarts++;
          m.restart().catch((err: unknown) => process.stderr.write(`harness: restarting ${name}: ${String(err)}\n`));
        }, 200);
      }
    });
    m = new MasterProc(name, proc, workDir);
    m.supervise = opts.supervise ?? zk;
    this.masters.push(m);
    await m.ready();
    return m;
  }

  /**
   * The leading master: the one whose GET /health says `leading: true`, or
   * the only standalone master running (its /health has no `leading`).
   */
  async leader(timeoutMs = 20_000): Promise<MasterProc> {
    let found: MasterProc | undefined;
    await until(
      async () => {
        const healths = await Promise.all(this.masters.map(async (m) => [m, await m.health()] as const));
        found = healths.find(([, h]) => h?.leading === true)?.[0];
        if (!found) {
          const standalone = healths.filter(([, h]) => h !== undefined && h.leading === undefined);
          if (standalone.length === 1) found = standalone[0]![0];
        }
        return found !== undefined;
      },
      timeoutMs,
      'a leading master',
    );
    return found!;
  }

  /** Masters that answer /health and do not lead. */
  async standbys(): Promise<MasterProc[]> {
    const out: MasterProc[] = [];
    for (const m of this.masters) if ((await m.health())?.leading === false) out.push(m);
    return out;
  }

  /** Starts an agent dialing the first master (or `opts.master`), through a proxy when asked. */
  async agent(opts: AgentOptions = {}): Promise<AgentProc> {
    const name = opts.hostname ?? `agent-${this.agents.length + 1}`;
    const workDir = join(this.dir, name);
    let target = opts.master ?? (this.zk && this.masters.some((m) => m.proc.args.includes('--zk')) ? this.zkUrl() : this.masters[0]?.grpc);
    if (!target) throw new Error('agent(): start a master first, or pass opts.master');
    let proxy: TcpProxy | undefined;
    if (opts.proxy) {
      if (target.startsWith('zk://')) throw new Error('agent(): a proxy needs a master address, not a zk:// URL');
      proxy = await TcpProxy.start(target);
      this.proxies.push(proxy);
      target = proxy.address;
    }
    const resources = opts.resources ?? 'cpus:4;mem:4096;disk:4096;ports:[31000-31999]';
    const containerizers = opts.containerizers ?? 'posix';
    const args = opts.statusUpdateRetry
      ? [
          '--import', 'tsx', join(HERE, 'agent-process.ts'),
          JSON.stringify({ master: target, workDir, port: 0, hostname: name, resources, containerizers: containerizers.split(','), statusUpdateRetry: opts.statusUpdateRetry }),
        ]
      : [TESSERA, 'agent', '--master', target, '--work-dir', workDir, '--port', '0', '--hostname', name, '--resources', resources, '--containerizers', containerizers, ...(opts.args ?? [])];
    const a = new AgentProc(name, this.spawn(name, args), workDir, proxy);
    this.agents.push(a);
    await a.ready(opts.waitRegistered ?? true);
    return a;
  }

  /** A framework in this process (SDK SchedulerClient); its updates go to the oracle. */
  framework(name: string, config: Partial<FrameworkConfig> = {}): InProcessFramework {
    const master = config.master ?? this.frameworkMaster();
    const sdk = new SdkFramework({ name, ...config, master }, (e) => this.oracle.observe(name, e));
    const f = new InProcessFramework(name, sdk, this.oracle);
    this.frameworks.push(f);
    return f;
  }

  /** A framework as its own process (killable); it records its events to a file the harness tails. */
  async frameworkProcess(name: string, config: Partial<FrameworkConfig> = {}): Promise<FrameworkProcess> {
    const full: FrameworkConfig = { name, ...config, master: config.master ?? this.frameworkMaster() };
    const eventsFile = join(this.dir, `${name}.events.jsonl`);
    const f = new FrameworkProcess(name, this.spawn(name, frameworkArgs(full, eventsFile)), full, eventsFile, this.oracle);
    this.frameworks.push(f);
    await f.ready();
    return f;
  }

  private frameworkMaster(): string {
    if (this.zk && this.masters.some((m) => m.proc.args.includes('--zk'))) return this.zkUrl();
    const m = this.masters[0];
    if (!m) throw new Error('start a master before a framework');
    return m.grpc;
  }

  /** Waits until framework `name` got an update matching `pred`; resolves with it. */
  async waitForUpdate(name: string, pred: (u: SeenUpdate) => boolean, timeoutMs = 20_000, what = 'an update'): Promise<SeenUpdate> {
    let found: SeenUpdate | undefined;
    await until(() => (found = this.oracle.updates(name).find(pred)) !== undefined, timeoutMs, `${name}: ${what}`).catch((err: Error) => {
      throw new Error(`${err.message}\nupdates so far:\n${this.oracle.dump(name)}`);
    });
    return found!;
  }

  /** Waits until every named task of `name` is in `state` (its latest update). */
  async waitForStates(name: string, taskIds: string[], state: string, timeoutMs = 20_000): Promise<void> {
    await until(
      () => taskIds.every((t) => this.oracle.latest(name, t)?.state === state),
      timeoutMs,
      `${name}: ${taskIds.length} task(s) ${state}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nupdates so far:\n${this.oracle.dump(name)}`);
    });
  }

  /** The tail of a process's log file (for a failing test's message). */
  log(name: string, chars = 3000): string {
    try {
      return readFileSync(join(this.dir, 'logs', `${name}.log`), 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true; // also ends supervision
    const settle = async (what: string, f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (err) {
        process.stderr.write(`harness stop: ${what}: ${String(err)}\n`);
      }
    };
    for (const f of this.frameworks) {
      if (f instanceof InProcessFramework) f.close();
      if (f instanceof FrameworkProcess) f.stopTailing();
    }
    const frameworkProcs = this.procs.filter((p) => this.frameworks.some((f) => f instanceof FrameworkProcess && f.proc === p));
    await Promise.all(frameworkProcs.map((p) => settle(p.name, () => p.stop(3000))));
    // Agents before masters, so they kill their tasks while they still can.
    await Promise.all(this.agents.map((a) => settle(a.name, () => a.proc.stop())));
    await Promise.all(this.masters.map((m) => settle(m.name, () => m.proc.stop())));
    await Promise.all(this.procs.map((p) => settle(p.name, () => p.stop())));
    for (const p of this.procs) everyProc.delete(p);
    const leftover = killTaskProcesses(this.dir);
    if (leftover) process.stderr.write(`harness stop: killed ${leftover} task process(es) left running under ${this.dir}\n`);
    await Promise.all(this.proxies.map((p) => settle('proxy', () => p.close())));
    if (this.zk) await settle('zookeeper', () => this.zk!.stop());
    if (!process.env.TESSERA_KEEP_HA) rmSync(this.dir, { recursive: true, force: true });
    else process.stderr.write(`harness: kept ${this.dir}\n`);
  }
}
