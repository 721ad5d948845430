// NativeContainerizer on the real kernel (as root, cgroup v1 here; v2 where
// the host delegates cpu, memory and pids): namespaces, limits seen from
// inside, usage, kill over the whole cgroup, cleanup, GPU device rules, and
// recovery of leftovers. Each test uses its own cgroup parent and removes it.

import { existsSync, readFileSync, readlinkSync, rmSync, rmdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ContainerInfo, ContainerInfo_Type, silentLogger, type Resource } from '@tessera/common';

import type { ContainerSpec } from '../src/containerizer/containerizer.js';
import { detectCgroups, type Cgroups } from '../src/containerizer/native/cgroups.js';
import { NativeContainerizer } from '../src/containerizer/native/native.js';
import type { Rlimits } from '../src/containerizer/posix.js';
import { tempDir, waitFor } from './helpers.js';

const ROOT = '/sys/fs/cgroup';
const parent = `tessera-test/native-${process.pid}`;
const found = detectCgroups(ROOT, parent);
if ('unavailable' in found) {
  // The claim of this file needs the real kernel; say loudly why it cannot run.
  console.error(`native-containerizer.test.ts needs root and cgroups: ${found.unavailable}`);
  process.exit(1);
}
const cgroups: Cgroups = found.cgroups;
const dirs: string[] = [];
const containerizers: NativeContainerizer[] = [];

function containerizer(options: { gpus?: number[]; checkpointDir?: string; rlimits?: Rlimits } = {}): NativeContainerizer {
  const made = new NativeContainerizer({ logger: silentLogger(), cgroups, pidsMax: 64, ...options });
  containerizers.push(made);
  return made;
}

const scalar = (name: string, value: number): Resource => ({ name, scalar: { value }, reservation: '', revocable: false }) as Resource;

function spec(containerId: string, script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  const sandbox = tempDir('tessera-native-');
  dirs.push(sandbox);
  return {
    containerId,
    command: { shell: true, value: script, arguments: [] },
    sandbox,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    resources: [scalar('cpus', 0.5), scalar('mem', 32)],
    ...extra,
  };
}

const out = (s: ContainerSpec) => readFileSync(path.join(s.sandbox, 'stdout'), 'utf8');

/** The container's cgroup directory in a v1 controller, or its v2 directory. */
function cgroupDir(controller: string, containerId: string): string {
  return cgroups.version === 1 ? path.join(ROOT, controller, parent, containerId) : path.join(ROOT, parent, containerId);
}

test.after(async () => {
  for (const made of containerizers) for (const c of made.containers()) await made.kill(c.containerId, 0);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await cgroups.removeParent();
  for (const controller of ['cpu', 'cpuacct', 'memory', 'pids', 'devices']) {
    try {
      rmdirSync(path.join(ROOT, controller, 'tessera-test'));
    } catch {
      // Another test run still uses it, or it never existed.
    }
  }
});

test('PID namespace: the task sees only its own processes, its init as pid 1', async () => {
  const s = spec('pidns', 'ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "; echo; cat /proc/1/cmdline | tr "\\0\\n" "  "');
  const c = await containerizer().launch(s);
  assert.equal(await c.exited, { code: 0, signal: null });
  const [pids, init] = out(s).split('\n');
  const visible = pids!.trim().split(' ').map(Number);
  assert.is(visible[0], 1, 'pid 1 is the container init');
  assert.ok(visible.length <= 6, `only the container's few processes are visible (saw ${pids})`);
  assert.match(init!, /tessera-init/);
  assert.ok(!visible.includes(process.pid) || process.pid < 7, 'the agent is not visible');
});

test('UTS namespace: ContainerInfo.hostname inside, the host keeps its own; IPC and mount namespaces differ', async () => {
  const s = spec(
    'uts',
    'hostname; readlink /proc/self/ns/ipc /proc/self/ns/mnt /proc/self/ns/uts',
    { container: ContainerInfo.create({ type: ContainerInfo_Type.NATIVE, hostname: 'box-1' }) },
  );
  const c = await containerizer().launch(s);
  assert.equal(await c.exited, { code: 0, signal: null });
  const [hostname, ipc, mnt, uts] = out(s).trim().split('\n');
  assert.is(hostname, 'box-1');
  assert.is.not(os.hostname(), 'box-1');
  assert.is.not(ipc, readlinkSelf('ipc'));
  assert.is.not(mnt, readlinkSelf('mnt'));
  assert.is.not(uts, readlinkSelf('uts'));
});

test('network none: only loopback; host (default): the host network namespace', async () => {
  const none = spec('net-none', 'readlink /proc/self/ns/net; ls /sys/class/net 2>/dev/null || ip -o link | cut -d: -f2', {
    container: ContainerInfo.create({ network: 'none' }),
  });
  const host = spec('net-host', 'readlink /proc/self/ns/net');
  const native = containerizer();
  await (await native.launch(none)).exited;
  await (await native.launch(host)).exited;
  const [noneNs] = out(none).trim().split('\n');
  assert.is.not(noneNs, readlinkSelf('net'));
  assert.is(out(host).trim(), readlinkSelf('net'));
  await native.launch(spec('net-bad', 'true', { container: ContainerInfo.create({ network: 'bridge' }) })).then(
    () => assert.unreachable('bridge is not a native network'),
    (err: Error) => assert.match(err.message, /container\.network: must be "host" or "none"/),
  );
});

test('limits from cpus and mem are written to the container cgroups, readable from inside', async () => {
  // Inside, /proc/self/cgroup names the container's cgroups; their files hold the limits.
  const script =
    cgroups.version === 1
      ? 'm=$(grep :memory: /proc/self/cgroup | cut -d: -f3); c=$(grep :cpu: /proc/self/cgroup | cut -d: -f3); p=$(grep :pids: /proc/self/cgroup | cut -d: -f3); ' +
        'cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us /sys/fs/cgroup/cpu$c/cpu.shares /sys/fs/cgroup/pids$p/pids.max'
      : 'g=$(grep ^0:: /proc/self/cgroup | cut -d: -f3); cat /sys/fs/cgroup$g/memory.max /sys/fs/cgroup$g/cpu.max /sys/fs/cgroup$g/cpu.weight /sys/fs/cgroup$g/pids.max';
  const s = spec('limits', script, { resources: [scalar('cpus', 0.5), scalar('mem', 48)] });
  const c = await containerizer().launch(s);
  assert.equal(await c.exited, { code: 0, signal: null });
  const lines = out(s).trim().split('\n');
  if (cgroups.version === 1) assert.equal(lines, [String(48 * 1024 * 1024), '50000', '512', '64']);
  else assert.equal(lines, [String(48 * 1024 * 1024), '50000 100000', '20', '64']);
});

test('rlimits: core and nofile set by the init (no prlimit in the chain), soft = hard; nproc through prlimit', async () => {
  const script = 'ulimit -Sc; ulimit -Hc; ulimit -Sn; ulimit -Hn; cat /proc/self/limits | grep "Max processes"';
  const s = spec('rlimits', script);
  const c = await containerizer({ rlimits: { nofile: 777, nproc: 4321 } }).launch(s);
  assert.equal(await c.exited, { code: 0, signal: null });
  const lines = out(s).trim().split('\n');
  assert.equal(lines.slice(0, 4), ['0', '0', '777', '777']);
  assert.match(lines[4]!, /Max processes\s+4321\s+4321/);
  // Without nproc the chain is unshare → init: no prlimit exec.
  const plain = spec('rlimits-plain', 'ulimit -Hc; ulimit -Hn; cat /proc/1/cmdline | tr "\\0" " "');
  const p = await containerizer({ rlimits: { nofile: 555 } }).launch(plain);
  assert.equal(await p.exited, { code: 0, signal: null });
  const [core, nofile, init] = out(plain).trim().split('\n');
  assert.is(core, '0');
  assert.is(nofile, '555');
  assert.match(init!, /ulimit -c 0/);
});

test('memory limit enforced: allocating past it is OOM-killed and reported as a memory limitation', async () => {
  const s = spec('oom', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived', { resources: [scalar('mem', 32)] });
  const c = await containerizer().launch(s);
  const exit = await c.exited;
  assert.is(exit.limitation?.reason, 'memory');
  assert.match(exit.limitation!.message, /memory limit of 32 MiB/);
  assert.is.not(exit.code, 0);
  assert.not.match(out(s), /survived/);
});

test('cpu limit enforced: a busy loop under cpus 0.1 gets at most ≈ 10 % of one cpu (CFS quota)', async () => {
  const native = containerizer();
  const s = spec('busy', 'while :; do :; done', { resources: [scalar('cpus', 0.1), scalar('mem', 32)] });
  const c = await native.launch(s);
  const t0 = performance.now();
  // Measure over a window of at least 1.5 s of wall time: the bound is an upper one, so load elsewhere cannot break it.
  await waitFor('a 1.5 s window', () => performance.now() - t0 >= 1_500, 5_000);
  const usage = (await native.usage(c.containerId))!;
  const wall = (performance.now() - t0) / 1000;
  const cpu = usage.cpuUserSeconds + usage.cpuSystemSeconds;
  // quota 10 ms per 100 ms period: ≤ 0.1 × wall, plus one period and USER_HZ rounding of slack.
  assert.ok(cpu <= 0.1 * wall + 0.12, `cpu ${cpu.toFixed(2)} s in ${wall.toFixed(2)} s of wall time`);
  await native.kill(c.containerId, 0);
});

test('pids limit enforced: forks past pids.max fail inside the container', async () => {
  const native = containerizer(); // pidsMax 64
  const s = spec('forks', 'i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done; echo forked all');
  const c = await native.launch(s);
  const exit = await c.exited;
  assert.is.not(exit.code, 0);
  assert.not.match(out(s), /forked all/);
  assert.match(readFileSync(path.join(s.sandbox, 'stderr'), 'utf8'), /fork/i, 'the shell could not fork');
});

test('usage(): cpu time and memory of a running container, with its limits', async () => {
  const s = spec('usage', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo spun > spun; exec sleep 30');
  const native = containerizer();
  const c = await native.launch(s);
  await waitFor('the busy loop', () => existsSync(path.join(s.sandbox, 'spun')), 20_000);
  const usage = (await native.usage(c.containerId))!;
  assert.ok(usage.cpuUserSeconds + usage.cpuSystemSeconds > 0, `cpu time counted (${JSON.stringify(usage)})`);
  assert.ok(usage.memoryBytes > 0);
  assert.is(usage.cpusLimit, 0.5);
  assert.is(usage.memoryLimitBytes, 32 * 1024 * 1024);
  assert.ok(usage.processes! >= 2);
  await native.kill(c.containerId, 0);
  assert.is(await native.usage(c.containerId), undefined, 'nothing for an ended container');
});

test('kill: SIGTERM reaches every process of the cgroup; SIGKILL after the grace; the cgroup is removed', async () => {
  const native = containerizer();
  // A polite task and a background child that both exit on SIGTERM.
  const polite = spec('polite', '(exec sleep 30) & exec sleep 30');
  const p = await native.launch(polite);
  assert.ok(existsSync(cgroupDir('memory', 'polite')));
  const t0 = Date.now();
  await native.kill('polite', 20_000);
  const took0 = Date.now() - t0;
  assert.ok(took0 < 5_000, `well before the 20 s grace (took ${took0} ms)`);
  assert.equal(await p.exited, { code: null, signal: 'SIGTERM' });
  assert.not.ok(existsSync(cgroupDir('memory', 'polite')), 'cgroup removed');

  // A stubborn one: the task and a background child ignore SIGTERM.
  const stubborn = spec('stubborn', "trap '' TERM; (trap '' TERM; sleep 30) & sleep 30; wait");
  const s = await native.launch(stubborn);
  const inside = () => cgroups.pids('stubborn').length;
  await waitFor('both sleeps started', () => inside() >= 4);
  const t1 = Date.now();
  await native.kill('stubborn', 500);
  const took = Date.now() - t1;
  assert.ok(took >= 500 && took < 5_000, `SIGKILL after the 0.5 s grace (took ${took} ms)`);
  assert.is((await s.exited).signal, 'SIGKILL');
  assert.is(inside(), 0);
  assert.not.ok(existsSync(cgroupDir('pids', 'stubborn')));
});

test('a task exiting leaves nothing: background processes killed, cgroups removed', async () => {
  const s = spec('leaver', '(sleep 30 &) ; echo done');
  const c = await containerizer().launch(s);
  assert.equal(await c.exited, { code: 0, signal: null });
  for (const controller of ['cpu', 'memory', 'pids']) assert.not.ok(existsSync(cgroupDir(controller, 'leaver')), controller);
});

test('a container that cannot start is a launch error, and leaves no cgroup', async () => {
  const native = containerizer();
  await native.launch(spec('bad-host', 'true', { container: ContainerInfo.create({ hostname: '-bad-' }) })).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, /container\.hostname/),
  );
  const argv = spec('enoent', '');
  argv.command = { shell: false, value: 'no-such-program-tessera', arguments: ['no-such-program-tessera'] };
  await native.launch(argv).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, /no-such-program-tessera/),
  );
  assert.equal(cgroups.list().filter((id) => id === 'bad-host' || id === 'enoent'), []);
});

test('GPUs (pretend indices; no GPU here): the environment names the task\'s; the devices cgroup denies the others', async () => {
  const native = containerizer({ gpus: [0, 1, 2] });
  const s = spec('gpu', 'echo "$NVIDIA_VISIBLE_DEVICES $CUDA_VISIBLE_DEVICES"; exec sleep 30', {
    resources: [scalar('gpus', 1)],
  });
  // Device nodes of the pretend GPUs in the sandbox: opening an allowed one reaches the (absent) driver
  // (ENXIO, "No such device or address"); a denied one is refused by the devices cgroup (EPERM).
  execFileSync('mknod', [path.join(s.sandbox, 'nvidia0'), 'c', '195', '0']);
  execFileSync('mknod', [path.join(s.sandbox, 'nvidia1'), 'c', '195', '1']);
  s.command.value = 'echo "$NVIDIA_VISIBLE_DEVICES $CUDA_VISIBLE_DEVICES"; cat nvidia0; cat nvidia1; exec sleep 30';
  const c = await native.launch(s);
  await waitFor('output', () => /nvidia1/.test(readFileSync(path.join(s.sandbox, 'stderr'), 'utf8')));
  assert.is(out(s).trim(), '0 0');
  const stderr = readFileSync(path.join(s.sandbox, 'stderr'), 'utf8');
  assert.match(stderr, /nvidia0: No such device or address/);
  if (cgroups.version === 1) assert.match(stderr, /nvidia1: Operation not permitted/);
  await native.launch(spec('gpu-2', 'true', { resources: [scalar('gpus', 3)] })).then(
    () => assert.unreachable('only 2 are free'),
    (err: Error) => assert.match(err.message, /3 requested but 2 of this agent's 3 are free/),
  );
  await native.kill(c.containerId, 0);
});

test('recover(): containers and cgroups left by an earlier run are destroyed', async () => {
  const checkpointDir = tempDir('tessera-native-meta-');
  dirs.push(checkpointDir);
  const first = containerizer({ checkpointDir });
  const left = await first.launch(spec('left', 'exec sleep 30'));
  first.detach(); // the agent stopped with { killTasks: false }
  const second = containerizer({ checkpointDir });
  assert.ok((await second.recover()).destroyed.includes('left'));
  await waitFor('the leftover leader dead', () => !isAlive(left.pid), 5_000); // SIGKILLed; dying takes a moment
  assert.not.ok(cgroups.list().includes('left'));
});

function readlinkSelf(ns: string): string {
  return readlinkSync(`/proc/self/ns/${ns}`);
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test.run();
