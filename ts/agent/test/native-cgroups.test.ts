// Unit tests of the cgroup bookkeeping against FAKE hierarchies: plain temp
// directories laid out like cgroupfs (this host's cgroup v2 has no controllers,
// so the v2 code cannot run for real here). The real kernel is exercised in
// native-containerizer.test.ts and native-agent.test.ts.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { cfsQuotaUs, cpuShares, detectCgroups } from '../src/containerizer/native/cgroups.js';
import { CgroupsV1 } from '../src/containerizer/native/cgroups-v1.js';
import { CgroupsV2, cpuWeight } from '../src/containerizer/native/cgroups-v2.js';
import { resourceAmounts } from '../src/containerizer/native/limits.js';
import { tempDir as makeTempDir } from './helpers.js';

const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  made.push(dir);
  return dir;
}
test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const limits = { cpus: 1.5, memoryBytes: 64 * 1024 * 1024, pidsMax: 100, deniedDevices: [] };

/** A fake v2 root: controllers listed, the container dir pre-made with the files the kernel would show. */
function fakeV2(): string {
  const root = tempDir('tessera-fake-cgroup2-');
  writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma\n');
  return root;
}

test('cpu arithmetic: shares 1024 per cpu (min 2), CFS quota over a 100 ms period (min 1 ms), v2 weight', () => {
  assert.is(cpuShares(1.5), 1536);
  assert.is(cpuShares(0.001), 2); // the kernel's minimum
  assert.is(cfsQuotaUs(1.5), 150_000); // 1.5 cpus × 100,000 µs
  assert.is(cfsQuotaUs(0.001), 1_000); // 100 µs is below the kernel's 1 ms minimum
  assert.is(cpuWeight(2), 1);
  assert.is(cpuWeight(1024), 39); // 1 + (1022 × 9999) / 262142 = 39.98 → 39, as systemd maps it
  assert.is(cpuWeight(262_144), 10_000);
});

test('resource amounts add up across roles; mem MiB → bytes; gpus whole', () => {
  const r = (name: string, value: number, reservation = '') => ({ name, scalar: { value }, reservation, revocable: false });
  assert.equal(resourceAmounts([r('cpus', 1), r('cpus', 2, 'ml'), r('mem', 32), r('gpus', 1)]), {
    cpus: 3,
    memoryBytes: 32 * 1024 * 1024,
    gpus: 1,
  });
  assert.equal(resourceAmounts([]), { cpus: undefined, memoryBytes: undefined, gpus: 0 });
});

test('detection: not root, no hierarchy, v2 without controllers, v1 incomplete, v1, v2 (fake roots)', () => {
  assert.match((detectCgroups('/sys/fs/cgroup', 'tessera/x', false) as { unavailable: string }).unavailable, /not running as root/);
  assert.match((detectCgroups('/no/such/cgroup/root', 'tessera/x', true) as { unavailable: string }).unavailable, /no cgroup hierarchy/);

  const noControllers = tempDir('tessera-fake-cgroup2-');
  writeFileSync(path.join(noControllers, 'cgroup.controllers'), 'hugetlb\n');
  assert.match((detectCgroups(noControllers, 'tessera/x', true) as { unavailable: string }).unavailable, /lacks the cpu, memory, pids/);

  const v1 = tempDir('tessera-fake-cgroup1-');
  for (const controller of ['cpu', 'cpuacct', 'memory']) {
    mkdirSync(path.join(v1, controller));
    writeFileSync(path.join(v1, controller, 'cgroup.procs'), '');
  }
  assert.match((detectCgroups(v1, 'tessera/x', true) as { unavailable: string }).unavailable, /missing .*: pids/);
  mkdirSync(path.join(v1, 'pids'));
  writeFileSync(path.join(v1, 'pids', 'cgroup.procs'), '');
  const found = detectCgroups(v1, 'tessera/x', true);
  assert.ok('cgroups' in found && found.cgroups.version === 1);

  const v2 = detectCgroups(fakeV2(), 'tessera/x', true);
  assert.ok('cgroups' in v2 && v2.cgroups.version === 2);
});

test('v2 (fake root): create enables controllers down the path and writes cpu.weight, cpu.max, memory.max, swap, pids.max', async () => {
  const root = fakeV2();
  const cgroups = new CgroupsV2(root, 'tessera/agent1');
  // The kernel makes these files with the directory; the fake needs swap present to be written.
  mkdirSync(path.join(root, 'tessera/agent1/c1'), { recursive: true });
  writeFileSync(path.join(root, 'tessera/agent1/c1/memory.swap.max'), 'max\n');
  const procs = await cgroups.create('c1', limits);
  assert.equal(procs, [path.join(root, 'tessera/agent1/c1/cgroup.procs')]);
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  assert.is(read('cgroup.subtree_control'), '+cpu +memory +pids');
  assert.is(read('tessera/cgroup.subtree_control'), '+cpu +memory +pids');
  assert.is(read('tessera/agent1/cgroup.subtree_control'), '+cpu +memory +pids');
  assert.is(read('tessera/agent1/c1/cpu.weight'), String(cpuWeight(1536)));
  assert.is(read('tessera/agent1/c1/cpu.max'), '150000 100000');
  assert.is(read('tessera/agent1/c1/memory.max'), String(64 * 1024 * 1024));
  assert.is(read('tessera/agent1/c1/memory.swap.max'), '0');
  assert.is(read('tessera/agent1/c1/pids.max'), '100');
  assert.equal(cgroups.list(), ['c1']);
  await cgroups.create('c2', { ...limits, deniedDevices: ['c 195:0 rwm'] }).then(
    () => assert.unreachable('device rules need BPF on v2'),
    (err: Error) => assert.match(err.message, /BPF/),
  );
});

test('v2 (fake root): usage from cpu.stat and memory files; OOM kills from memory.events; pids', async () => {
  const root = fakeV2();
  const cgroups = new CgroupsV2(root, 'tessera/agent1');
  const dir = path.join(root, 'tessera/agent1/c1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 3500000\nuser_usec 2500000\nsystem_usec 1000000\n');
  writeFileSync(path.join(dir, 'memory.current'), '1048576\n');
  writeFileSync(path.join(dir, 'memory.peak'), '2097152\n');
  writeFileSync(path.join(dir, 'memory.max'), '67108864\n');
  writeFileSync(path.join(dir, 'cpu.max'), '50000 100000\n');
  writeFileSync(path.join(dir, 'cgroup.procs'), '12\n13\n');
  writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
  assert.equal(await cgroups.usage('c1'), {
    cpuUserSeconds: 2.5,
    cpuSystemSeconds: 1,
    memoryBytes: 1_048_576,
    memoryPeakBytes: 2_097_152,
    cpusLimit: 0.5,
    memoryLimitBytes: 67_108_864,
    processes: 2,
  });
  assert.is(await cgroups.oomKills('c1'), 1);
  assert.is(await cgroups.memoryLimitHits('c1'), 4);
  assert.equal(cgroups.pids('c1'), [12, 13]);
  writeFileSync(path.join(dir, 'memory.max'), 'max\n');
  writeFileSync(path.join(dir, 'cpu.max'), 'max 100000\n');
  const unlimited = await cgroups.usage('c1');
  assert.is(unlimited!.memoryLimitBytes, undefined);
  assert.is(unlimited!.cpusLimit, undefined);
  assert.is(await cgroups.usage('gone'), undefined);
  assert.is(await cgroups.oomKills('gone'), 0);
});

test('v1 (fake root): limits per controller, memsw after mem, devices.deny lines, usage in USER_HZ ticks', async () => {
  const root = tempDir('tessera-fake-cgroup1-');
  const cgroups = new CgroupsV1(root, 'tessera/agent1', { devices: true });
  const dir = (controller: string) => path.join(root, controller, 'tessera/agent1/c1');
  mkdirSync(dir('memory'), { recursive: true });
  writeFileSync(path.join(dir('memory'), 'memory.memsw.limit_in_bytes'), '9223372036854771712\n');
  const procs = await cgroups.create('c1', { ...limits, deniedDevices: ['c 195:1 rwm'] });
  assert.equal(
    procs.map((file) => path.relative(root, file)),
    ['cpu', 'cpuacct', 'memory', 'pids', 'devices'].map((c) => `${c}/tessera/agent1/c1/cgroup.procs`),
  );
  const read = (controller: string, file: string) => readFileSync(path.join(dir(controller), file), 'utf8');
  assert.is(read('cpu', 'cpu.shares'), '1536');
  assert.is(read('cpu', 'cpu.cfs_quota_us'), '150000');
  assert.is(read('cpu', 'cpu.cfs_period_us'), '100000');
  assert.is(read('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.is(read('memory', 'memory.memsw.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.is(read('pids', 'pids.max'), '100');
  assert.is(read('devices', 'devices.deny'), 'c 195:1 rwm');

  writeFileSync(path.join(dir('cpuacct'), 'cpuacct.stat'), 'user 250\nsystem 30\n');
  writeFileSync(path.join(dir('memory'), 'memory.usage_in_bytes'), '4096\n');
  writeFileSync(path.join(dir('memory'), 'memory.max_usage_in_bytes'), '8192\n');
  writeFileSync(path.join(dir('memory'), 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  writeFileSync(path.join(dir('pids'), 'cgroup.procs'), '7\n');
  const usage = await cgroups.usage('c1');
  assert.is(usage!.cpuUserSeconds, 2.5); // 250 ticks / 100 Hz
  assert.is(usage!.cpuSystemSeconds, 0.3);
  assert.is(usage!.memoryBytes, 4096);
  assert.is(usage!.memoryPeakBytes, 8192);
  assert.is(usage!.cpusLimit, 1.5);
  assert.is(usage!.memoryLimitBytes, 64 * 1024 * 1024);
  assert.is(usage!.processes, 1);
  assert.is(await cgroups.oomKills('c1'), 2);
  assert.equal(cgroups.list(), ['c1']);
  // A kernel before 4.13 does not count OOM kills: unknown, and the limit hits are the evidence.
  writeFileSync(path.join(dir('memory'), 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\n');
  writeFileSync(path.join(dir('memory'), 'memory.failcnt'), '17\n');
  assert.is(await cgroups.oomKills('c1'), undefined);
  assert.is(await cgroups.memoryLimitHits('c1'), 17);
});

test.run();
