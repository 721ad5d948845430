// `npm run bench:ha`: how long a master failover takes, end to end, on real
// processes. A 3-server ZooKeeper ensemble (Debian's zookeeper), two masters
// (`tessera master --zk`, separate processes), N simulated agents and a
// framework (the SDK, following the leader through ZooKeeper). Each round
// SIGKILLs the leading master and times, from the kill:
//
//   elected        the standby's /health says it leads (its ZooKeeper watch
//                  fired when the dead leader's session expired, and it has
//                  read and taken over the registry)
//   agents back    all N agents re-registered with it
//   offers         the framework has an offer from it
//
// The killed master is started again as the next standby, and the next round
// kills the new leader. The ZooKeeper session timeout bounds the first step:
// nobody can know a SIGKILLed leader is gone before its session expires.
//
//   npm run bench:ha -- [--agents 10000] [--rounds 3] [--session 4] [--batch 500]

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { parseResources } from '@tessera/allocator';
import { fromAllocatorResources } from '@tessera/common';

import { ZkEnsemble } from '../../test/ha/zk-ensemble.js';
import { count, ms, renderTable } from '../allocator/report.js';
import { summarize } from '../allocator/stats.js';
import { onCleanup, removeDirOnCleanup } from '../e2e/cleanup.js';
import { FailoverFleet } from './fleet.js';

const TESSERA = resolve(import.meta.dirname, '../../ts/cli/bin/tessera.js');

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    session: { type: 'string', default: '4' },
    batch: { type: 'string', default: '500' },
    'master-log': { type: 'string' },
  },
});
const AGENTS = Number(values.agents);
const ROUNDS = Number(values.rounds);
const SESSION_S = Number(values.session);
const BATCH = Number(values.batch);
/** --master-log DIR: each master's log (at debug) to DIR/master-N.log. */
const MASTER_LOG = values['master-log'];
for (const [name, v] of [['--agents', AGENTS], ['--rounds', ROUNDS], ['--session', SESSION_S], ['--batch', BATCH]] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`${name}: must be a number above 0`);
}

interface MasterProc {
  child: ChildProcess;
  grpc: string;
  http: string;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-ha-'));
removeDirOnCleanup(dir);
const log = (line: string): void => console.error(`[bench:ha] ${line}`);
/** Milliseconds since the epoch, sub-millisecond: comparable with the framework process's times. */
const clock = (): number => performance.timeOrigin + performance.now();

async function startMasterProc(url: string, n: number): Promise<MasterProc> {
  const child = spawn(
    process.execPath,
    [TESSERA, 'master', '--zk', url, '--zk-session-timeout', String(SESSION_S), '--port', '0', '--http-port', '0', '--work-dir', join(dir, `master-${n}`), '--log-level', MASTER_LOG ? 'debug' : 'warn'],
    { stdio: ['ignore', MASTER_LOG ? 'pipe' : 'ignore', 'pipe'] },
  );
  onCleanup(`master ${n}`, () => void child.kill('SIGKILL'), () => void child.kill('SIGKILL'));
  if (MASTER_LOG) {
    const file = createWriteStream(join(MASTER_LOG, `master-${n}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const lines = createInterface({ input: child.stderr! });
  return new Promise<MasterProc>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`master ${n} did not start within 30 s`)), 30_000);
    lines.on('line', (line) => {
      const m = /gRPC (\S+), HTTP http:\/\/([^/]+)\//.exec(line);
      if (m) {
        clearTimeout(timer);
        resolveStart({ child, grpc: m[1]!, http: m[2]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`master ${n} exited with ${code} while starting`)));
  });
}

async function health(m: MasterProc): Promise<{ leading: boolean } | undefined> {
  try {
    return (await (await fetch(`http://${m.http}/health`, { signal: AbortSignal.timeout(1000) })).json()) as { leading: boolean };
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  log(`starting a 3-server ZooKeeper ensemble`);
  const zk = await ZkEnsemble.start();
  onCleanup('zookeeper', () => zk.stop());
  const url = zk.url('/tessera-bench');
  let next = 0;
  const masters = [await startMasterProc(url, next++), await startMasterProc(url, next++)];
  let leader = await until('a leader', 30_000, async () => {
    for (const m of masters) if ((await health(m))?.leading) return m;
    return undefined;
  });

  const fleet = new FailoverFleet(fromAllocatorResources(parseResources('cpus:8;mem:32768;disk:100000;ports:[31000-32000]')));
  onCleanup('fleet', () => fleet.close());
  let t = performance.now();
  await fleet.register(leader.grpc, AGENTS, BATCH);
  log(`${count(AGENTS)} agents registered in ${ms(performance.now() - t)}`);

  // The framework runs in its own process; times are on the shared clock (ms since the epoch).
  const framework = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'framework-process.ts'), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  onCleanup('framework', () => void framework.kill('SIGKILL'), () => void framework.kill('SIGKILL'));
  const offersAt: number[] = [];
  const subscribedAt: number[] = [];
  createInterface({ input: framework.stdout! }).on('line', (line) => {
    const { event, at } = JSON.parse(line) as { event: string; at: number };
    if (event === 'subscribed') subscribedAt.push(at);
    if (event === 'offers') offersAt.push(at);
  });
  const firstAfter = (times: number[], t0: number): number | undefined => times.find((x) => x > t0);
  await until('the first offer', 60_000, () => (offersAt.length > 0 ? true : undefined));

  const rows: string[][] = [];
  const elected: number[] = [];
  const agentsBack: number[] = [];
  const offers: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const standby = masters.find((m) => m !== leader)!;
    const killedAt = clock();
    leader.child.kill('SIGKILL');
    log(`round ${round}: SIGKILLed the leader; waiting for the standby`);
    await until('the standby to lead', 120_000, async () => ((await health(standby))?.leading ? true : undefined));
    const electedMs = clock() - killedAt;
    await fleet.reregisterAll(standby.grpc, BATCH);
    const agentsMs = clock() - killedAt;
    const reregistration = fleet.registrationMs.stats();
    const offerMs = (await until('an offer from the new leader', 120_000, () => firstAfter(offersAt, killedAt))) - killedAt;
    const resubscribedMs = (firstAfter(subscribedAt, killedAt) ?? NaN) - killedAt;
    elected.push(electedMs);
    agentsBack.push(agentsMs);
    offers.push(offerMs);
    rows.push([String(round), ms(electedMs), ms(agentsMs), ms(reregistration.p99), ms(offerMs)]);
    log(`round ${round}: elected ${ms(electedMs)}, framework re-subscribed ${ms(resubscribedMs)}, ${count(AGENTS)} agents back ${ms(agentsMs)}, first offer ${ms(offerMs)}`);
    // The killed master comes back as the next standby.
    masters.splice(masters.indexOf(leader), 1, await startMasterProc(url, next++));
    leader = standby;
  }
  const median = (xs: number[]): number => summarize(xs).median;
  rows.push(['median', ms(median(elected)), ms(median(agentsBack)), '', ms(median(offers))]);
  console.log(
    renderTable(
      ['round', 'leader killed → standby leads', `→ ${count(AGENTS)} agents re-registered`, 're-registration p99 (per agent)', '→ framework offered'],
      rows,
      [
        `ZooKeeper session timeout ${SESSION_S} s (3 servers, tick 500 ms); masters are separate processes; agents simulated (${BATCH} re-registering at once).`,
        'A SIGKILLed leader is noticed only when its session expires: the first column cannot be below the session timeout.',
      ],
    ),
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    const { cleanupAll } = await import('../e2e/cleanup.js');
    await cleanupAll();
    process.exit();
  });
