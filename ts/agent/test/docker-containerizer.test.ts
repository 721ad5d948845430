// DockerContainerizer on its own, against the real Docker engine and the
// offline busybox image (scripts/provision-docker.sh). No mocks.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { silentLogger } from '@tessera/common';

import { ContainerLaunchError, type ContainerSpec } from '../src/containerizer/containerizer.js';
import { DockerContainerizer } from '../src/containerizer/docker/docker-containerizer.js';
import { LABEL } from '../src/containerizer/docker/labels.js';
import { TEST_IMAGE, containersOf, docker, dockerContainer, ports, removeContainersOf, requireDocker, scalar } from './docker-helpers.js';
import { tempDir, waitFor } from './helpers.js';

const workDirs: string[] = [];

function setup(): { workDir: string; containerizer: DockerContainerizer } {
  const workDir = tempDir('tessera-docker-');
  workDirs.push(workDir);
  return { workDir, containerizer: new DockerContainerizer({ logger: silentLogger(), workDir }) };
}

/** Container ids are unique per run: Docker names (tessera-<id>) are host-wide. */
function spec(workDir: string, name: string, script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  const containerId = `${name}-${Math.random().toString(36).slice(2, 10)}`;
  const sandbox = path.join(workDir, 'sandboxes', containerId);
  mkdirSync(sandbox, { recursive: true });
  return {
    containerId,
    sandbox,
    command: { shell: true, value: script, arguments: [] },
    env: { PATH: process.env.PATH ?? '/bin', TESSERA_SANDBOX: sandbox, TESSERA_TASK_ID: containerId, TESSERA_FRAMEWORK_ID: 'fw-1', TESSERA_EXECUTOR_ID: containerId, TESSERA_AGENT_ID: 'agent-1' },
    resources: [],
    container: dockerContainer(),
    ...extra,
  };
}

const read = (sandbox: string, file: string): string => readFileSync(path.join(sandbox, file), 'utf8');

test.before(requireDocker);
test.after(() => removeContainersOf(...workDirs));

test('runs a command in the image; stdout and stderr land in the sandbox; the container is removed after', async () => {
  const { workDir, containerizer } = setup();
  const s = spec(workDir, 'echo-1', 'echo hello; echo oops >&2; echo "$TESSERA_SANDBOX $(pwd)"; echo in-sandbox > made-here');
  const container = await containerizer.launch(s);
  assert.equal(await container.exited, { code: 0, signal: null });
  assert.is(read(s.sandbox, 'stdout'), 'hello\n/mnt/tessera/sandbox /mnt/tessera/sandbox\n');
  assert.is(read(s.sandbox, 'stderr'), 'oops\n');
  // The sandbox is the host directory itself, bind-mounted.
  assert.is(read(s.sandbox, 'made-here'), 'in-sandbox\n');
  assert.equal(await containersOf(workDir), []);
  assert.equal(containerizer.containers(), []);
});

test('a non-zero exit is its code; argv form runs the program with its arguments', async () => {
  const { workDir, containerizer } = setup();
  const failing = await containerizer.launch(spec(workDir, 'exit-7', 'exit 7'));
  assert.equal(await failing.exited, { code: 7, signal: null });
  const s = spec(workDir, 'argv-1', '', { command: { shell: false, value: '/bin/echo', arguments: ['echo', 'a b', 'c'] } });
  assert.equal(await (await containerizer.launch(s)).exited, { code: 0, signal: null });
  assert.is(read(s.sandbox, 'stdout'), 'a b c\n');
});

test('cpus and mem become Docker limits, visible in inspect and inside the container; ports are published', async () => {
  const { workDir, containerizer } = setup();
  // The container's own cgroup files: v2 (memory.max, cpu.max = "quota period") or v1, whichever the host runs.
  const readLimits =
    'if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max; tr " " "\\n" < /sys/fs/cgroup/cpu.max; ' +
    'else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; fi';
  const s = spec(workDir, 'limits-1', `${readLimits}; echo ready > ready; sleep 30`, {
    resources: [scalar('cpus', 0.5), scalar('mem', 64), ports(31881, 31882)],
    container: dockerContainer(TEST_IMAGE, { network: 'bridge', portMappings: [{ hostPort: 31882, containerPort: 8080, protocol: '' }] }),
  });
  const container = await containerizer.launch(s);
  assert.ok(container.pid > 0, 'the host pid of the running container');
  await waitFor('the container to start', () => {
    try {
      return read(s.sandbox, 'ready') === 'ready\n';
    } catch {
      return false;
    }
  });
  const inspect = await docker.getContainer(`tessera-${s.containerId}`).inspect();
  // 0.5 cpus = 500,000,000 NanoCpus and 512 shares; 64 MiB = 67,108,864 bytes, no swap beyond it.
  assert.is(inspect.HostConfig.NanoCpus, 500_000_000);
  assert.is(inspect.HostConfig.CpuShares, 512);
  assert.is(inspect.HostConfig.Memory, 67_108_864);
  assert.is(inspect.HostConfig.MemorySwap, 67_108_864);
  // 31881 on the same port inside; 31882 mapped to 8080.
  assert.equal(inspect.HostConfig.PortBindings, { '31881/tcp': [{ HostIp: '', HostPort: '31881' }], '8080/tcp': [{ HostIp: '', HostPort: '31882' }] });
  assert.is(inspect.Config.Labels[LABEL.taskId], s.containerId);
  assert.is(inspect.Config.Labels[LABEL.agentId], 'agent-1');
  // Inside: the memory cgroup's limit, and a CFS quota of half a period.
  const [limit, quota, period] = read(s.sandbox, 'stdout').trim().split('\n').map(Number);
  assert.is(limit, 67_108_864);
  assert.is(quota! / period!, 0.5);
  const usage = await containerizer.usage(s.containerId);
  assert.ok(usage, 'usage of a running container');
  assert.is(usage!.memoryLimitBytes, 67_108_864);
  assert.is(usage!.cpusLimit, 0.5);
  assert.ok(usage!.memoryBytes > 0);
  await containerizer.kill(container.containerId, 0);
  assert.is(await containerizer.usage(s.containerId), undefined);
});

test('a memory hog is OOM-killed and the exit says memory limitation', async () => {
  const { workDir, containerizer } = setup();
  // A 200 MB shell variable in a 32 MiB container.
  const s = spec(workDir, 'hog-1', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived ${#x}', { resources: [scalar('mem', 32)] });
  const exit = await (await containerizer.launch(s)).exited;
  assert.is(exit.limitation?.reason, 'memory');
  assert.match(exit.limitation!.message, /32 MiB/);
  assert.is(read(s.sandbox, 'stdout'), '');
});

test('kill: SIGTERM first (the task may clean up), SIGKILL after the grace when it will not stop', async () => {
  const { workDir, containerizer } = setup();
  const polite = spec(workDir, 'polite-1', 'trap "echo cleaning up; exit 3" TERM; echo up > up; while :; do sleep 0.1; done');
  const stubborn = spec(workDir, 'stubborn-1', 'trap "" TERM; echo up > up; while :; do sleep 0.1; done');
  const [a, b] = await Promise.all([containerizer.launch(polite), containerizer.launch(stubborn)]);
  for (const s of [polite, stubborn]) await waitFor(`${s.containerId} up`, () => { try { return read(s.sandbox, 'up') !== ''; } catch { return false; } });
  let started = Date.now();
  await containerizer.kill(a.containerId, 10_000);
  assert.ok(Date.now() - started < 5_000, 'a task that exits on SIGTERM does not wait for the grace');
  assert.equal(await a.exited, { code: 3, signal: null });
  assert.is(read(polite.sandbox, 'stdout'), 'cleaning up\n');
  started = Date.now();
  await containerizer.kill(b.containerId, 500);
  assert.ok(Date.now() - started >= 500, 'the grace is given');
  assert.equal(await b.exited, { code: null, signal: 'SIGKILL' });
  assert.equal(await containersOf(workDir), []);
});

// Pulls go to a registry on loopback port 1, where nothing listens: the pull
// fails at once and no traffic leaves the machine.
const NO_REGISTRY = '127.0.0.1:1';

test('pull policy: an image not here is pulled, force_pull_image always pulls; a failed pull is a launch error naming the image', async () => {
  const { workDir, containerizer } = setup();
  const missing = spec(workDir, 'nopull-1', 'true', { container: dockerContainer(`${NO_REGISTRY}/tessera-test/not-there:1`) });
  await containerizer.launch(missing).then(
    () => assert.unreachable('launch should fail'),
    (err: Error) => {
      assert.instance(err, ContainerLaunchError);
      assert.match(err.message, /cannot pull image '127\.0\.0\.1:1\/tessera-test\/not-there:1': .*connection refused/);
    },
  );
  // force_pull_image pulls even an image that is here (so it fails too); without it the local image runs.
  const local = `${NO_REGISTRY}/tessera-test/busybox`;
  await docker.getImage(TEST_IMAGE).tag({ repo: local, tag: 'latest' });
  try {
    const docker_ = (force: boolean) => dockerContainer(`${local}:latest`, { forcePullImage: force });
    await containerizer.launch(spec(workDir, 'forcepull-1', 'true', { container: docker_(true) })).then(
      () => assert.unreachable('a forced pull with no registry should fail'),
      (err: Error) => assert.match(err.message, /cannot pull image '127\.0\.0\.1:1\/tessera-test\/busybox:latest'/),
    );
    const ran = await containerizer.launch(spec(workDir, 'localimage-1', 'true', { container: docker_(false) }));
    assert.equal(await ran.exited, { code: 0, signal: null });
  } finally {
    await docker.getImage(`${local}:latest`).remove().catch(() => undefined);
  }
  const noImage = spec(workDir, 'noimage-1', 'true', { container: dockerContainer('') });
  await containerizer.launch(noImage).then(
    () => assert.unreachable('launch should fail'),
    (err: Error) => assert.match(err.message, /container\.docker\.image/),
  );
});

test('recover: a known running container is re-attached (its logs go on), an unknown one is an orphan and removed', async () => {
  const { workDir, containerizer: first } = setup();
  const kept = spec(workDir, 'kept-1', 'echo before; while [ ! -f go ]; do sleep 0.1; done; echo after; exit 4');
  const orphan = spec(workDir, 'orphan-1', 'sleep 60');
  await Promise.all([first.launch(kept), first.launch(orphan)]);
  await waitFor('output before the restart', () => { try { return read(kept.sandbox, 'stdout') === 'before\n'; } catch { return false; } });
  // The first agent goes away leaving its containers; a second containerizer on the same work dir is the agent after a restart.
  first.detach();
  const second = new DockerContainerizer({ logger: silentLogger(), workDir });
  const { destroyed: orphans, reattached } = await second.recover(new Set([kept.containerId]));
  assert.equal(orphans, [orphan.containerId]);
  assert.equal(reattached.map((c) => c.containerId), [kept.containerId]);
  assert.equal(second.containers().map((c) => c.containerId), [kept.containerId]);
  const names = (await containersOf(workDir)).map((c) => c.Labels[LABEL.containerId]);
  assert.equal(names, [kept.containerId]);
  writeFileSync(path.join(kept.sandbox, 'go'), '');
  assert.equal(await second.containers()[0]!.exited, { code: 4, signal: null });
  assert.is(read(kept.sandbox, 'stdout'), 'before\nafter\n');
  assert.equal(await containersOf(workDir), []);
});

test.run();
