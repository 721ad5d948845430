// Starts and stops a loopback ZooKeeper ensemble for tests, through
// scripts/provision-zookeeper.sh (which installs Debian's zookeeper when
// missing), and injects faults into single servers: kill, pause (SIGSTOP),
// resume, restart.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect as tcpConnect } from 'node:net';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/provision-zookeeper.sh');

export interface EnsembleOptions {
  /** Servers; default 3. */
  servers?: number;
  /** ZooKeeper tick; sessions may last 2..20 ticks (max raised to 60 s by the script). Default 500 ms. */
  tickMs?: number;
}

export class ZkEnsemble {
  private constructor(
    readonly dir: string,
    /** host:port,... of every server. */
    readonly connect: string,
    readonly size: number,
  ) {}

  static async start(opts: EnsembleOptions = {}): Promise<ZkEnsemble> {
    const size = opts.servers ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'tessera-zk-'));
    try {
      const { stdout } = await run('bash', [SCRIPT, 'start', '-n', String(size), '-d', dir, '-t', String(opts.tickMs ?? 500)], { timeout: 120_000 });
      const connect = stdout.trim().split('\n').pop()!;
      return new ZkEnsemble(dir, connect, size);
    } catch (err) {
      await run('bash', [SCRIPT, 'stop', dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** zk:// URL of every server (or only `only`, 1-based) with a znode path. */
  url(path = '/tessera', only?: number[]): string {
    const hosts = only ? only.map((i) => this.address(i)) : this.connect.split(',');
    return `zk://${hosts.join(',')}${path}`;
  }

  /** 127.0.0.1:port of server i (1-based). */
  address(i: number): string {
    return `127.0.0.1:${readFileSync(join(this.dir, `zk${i}`, 'client_port'), 'utf8').trim()}`;
  }

  pid(i: number): number {
    return Number(readFileSync(join(this.dir, `zk${i}`, 'pid'), 'utf8').trim());
  }

  kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    process.kill(this.pid(i), signal);
  }

  pause(i: number): void {
    this.kill(i, 'SIGSTOP');
  }

  resume(i: number): void {
    this.kill(i, 'SIGCONT');
  }

  /** Stops server i (SIGTERM, then SIGKILL). */
  async stopServer(i: number): Promise<void> {
    await run('bash', [SCRIPT, 'stop', this.dir, String(i)]);
  }

  /** Starts server i again with its data; `wait` until it serves (needs a quorum). */
  async startServer(i: number, wait = true): Promise<void> {
    await run('bash', [SCRIPT, 'start-server', this.dir, String(i)]);
    if (wait) await run('bash', [SCRIPT, 'wait', this.dir, String(i)], { timeout: 90_000 });
  }

  /** Waits until every listed server (default all) serves. */
  async waitServing(ids?: number[]): Promise<void> {
    await run('bash', [SCRIPT, 'wait', this.dir, ...(ids ?? []).map(String)], { timeout: 90_000 });
  }

  /** Sends a four-letter word to server i; resolves with its answer ('' when it does not answer within 2 s). */
  fourLetter(i: number, word: string): Promise<string> {
    const [host, port] = this.address(i).split(':') as [string, string];
    return new Promise((resolve) => {
      let out = '';
      const sock = tcpConnect({ host, port: Number(port) }, () => sock.end(word));
      const timer = setTimeout(() => sock.destroy(), 2000);
      sock.on('data', (d) => (out += d.toString()));
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
      sock.on('error', () => undefined);
    });
  }

  /** 'leader' | 'follower' | 'standalone', or undefined when server i does not serve. */
  async mode(i: number): Promise<string | undefined> {
    return /^Mode: (\S+)/m.exec(await this.fourLetter(i, 'srvr'))?.[1];
  }

  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
