// createOptions: a ContainerSpec as Docker's create options (a pure function:
// no engine needed), and the ContainerInfo fields it refuses, by name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ContainerLaunchError, type ContainerSpec } from '../src/containerizer/containerizer.js';
import { SANDBOX_IN_CONTAINER, createOptions } from '../src/containerizer/docker/create-options.js';
import { LABEL } from '../src/containerizer/docker/labels.js';
import { dockerContainer, ports, scalar } from './docker-helpers.js';

function spec(extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    containerId: 'c-1',
    sandbox: '/work/sandboxes/c-1',
    command: { shell: true, value: 'echo hi', arguments: [] },
    env: { PATH: process.env.PATH ?? '', TESSERA_SANDBOX: '/work/sandboxes/c-1', TESSERA_TASK_ID: 't-1', GREETING: 'hello' },
    resources: [],
    container: dockerContainer('img:1', { network: '' }),
    ...extra,
  };
}

function refusal(s: ContainerSpec): string {
  try {
    createOptions(s, '/work');
  } catch (err) {
    assert.instance(err, ContainerLaunchError);
    return (err as Error).message;
  }
  throw new Error('createOptions should have refused');
}

test('shell and argv commands; the sandbox mounted as working dir; env with TESSERA_SANDBOX inside and without the agent PATH', () => {
  const o = createOptions(spec(), '/work');
  assert.is(o.name, 'tessera-c-1');
  assert.equal(o.Entrypoint, ['/bin/sh', '-c']);
  assert.equal(o.Cmd, ['echo hi']);
  assert.is(o.WorkingDir, SANDBOX_IN_CONTAINER);
  assert.equal(o.HostConfig!.Binds, [`/work/sandboxes/c-1:${SANDBOX_IN_CONTAINER}:rw`]);
  assert.equal(o.Env, [`TESSERA_SANDBOX=${SANDBOX_IN_CONTAINER}`, 'TESSERA_TASK_ID=t-1', 'GREETING=hello']);
  assert.is(o.HostConfig!.NetworkMode, 'bridge', 'the default network');
  assert.is(o.HostConfig!.Init, true);
  assert.is(o.Labels![LABEL.workDir], '/work');
  assert.is(o.Labels![LABEL.taskId], 't-1');
  const argv = createOptions(spec({ command: { shell: false, value: '/bin/ls', arguments: ['ls', '-l', '/'] } }), '/work');
  assert.equal([argv.Entrypoint, argv.Cmd], [['/bin/ls'], ['-l', '/']]);
  const imageEntrypoint = createOptions(spec({ command: { shell: false, value: '', arguments: ['serve', '--port=1'] } }), '/work');
  assert.equal([imageEntrypoint.Entrypoint, imageEntrypoint.Cmd], [undefined, ['serve', '--port=1']]);
});

test('cpus, mem and ports: 1.5 cpus = 1.5e9 NanoCpus and 1536 shares; 100 MiB = 104,857,600 bytes, swap the same', () => {
  const o = createOptions(spec({ resources: [scalar('cpus', 1.5), scalar('mem', 100), ports(31000, 31001)] }), '/work');
  assert.is(o.HostConfig!.NanoCpus, 1_500_000_000);
  assert.is(o.HostConfig!.CpuShares, 1536);
  assert.is(o.HostConfig!.Memory, 104_857_600);
  assert.is(o.HostConfig!.MemorySwap, 104_857_600);
  assert.equal(o.ExposedPorts, { '31000/tcp': {}, '31001/tcp': {} });
  assert.equal(o.HostConfig!.PortBindings, { '31000/tcp': [{ HostPort: '31000' }], '31001/tcp': [{ HostPort: '31001' }] });
  // Under 6 MiB Docker refuses the container: the floor is taken instead.
  assert.is(createOptions(spec({ resources: [scalar('mem', 1)] }), '/work').HostConfig!.Memory, 6 * 1024 * 1024);
  // Host network: the ports are the host's already, nothing to publish.
  const host = spec({ resources: [ports(31000, 31001)], container: dockerContainer('img:1', { network: 'host' }) });
  assert.equal(createOptions(host, '/work').HostConfig!.PortBindings, {});
});

test('port mappings: a mapped host port is published on its container port (tcp by default), the others on the same port', () => {
  const mapped = dockerContainer('img:1', {
    network: 'bridge',
    portMappings: [
      { hostPort: 31000, containerPort: 8080, protocol: '' },
      { hostPort: 31000, containerPort: 53, protocol: 'udp' },
    ],
  });
  const o = createOptions(spec({ resources: [ports(31000, 31001)], container: mapped }), '/work');
  assert.equal(o.HostConfig!.PortBindings, {
    '8080/tcp': [{ HostPort: '31000' }],
    '53/udp': [{ HostPort: '31000' }],
    '31001/tcp': [{ HostPort: '31001' }],
  });
  const bad = (mapping: { hostPort: number; containerPort: number; protocol: string }) =>
    refusal(spec({ resources: [ports(31000, 31001)], container: dockerContainer('img:1', { network: 'bridge', portMappings: [mapping] }) }));
  assert.match(bad({ hostPort: 32000, containerPort: 80, protocol: '' }), /^container\.docker\.port_mappings\[0\]\.host_port: 32000 is not among the task's ports \(31000,31001\)/);
  assert.match(bad({ hostPort: 31000, containerPort: 0, protocol: '' }), /^container\.docker\.port_mappings\[0\]\.container_port: must be in 1-65535/);
  assert.match(bad({ hostPort: 31000, containerPort: 80, protocol: 'sctp' }), /^container\.docker\.port_mappings\[0\]\.protocol: must be tcp or udp/);
  assert.match(bad({ hostPort: 31000, containerPort: 31001, protocol: 'tcp' }), /container port 31001\/tcp is mapped twice/);
});

test('volumes: absolute container paths; relative host paths stay in the sandbox', () => {
  const volumes = [
    { containerPath: '/data', hostPath: 'data', readOnly: true },
    { containerPath: '/etc/x', hostPath: '/srv/x', readOnly: false },
  ];
  const o = createOptions(spec({ container: { ...dockerContainer('img:1'), volumes } }), '/work');
  assert.equal(o.HostConfig!.Binds!.slice(1), ['/work/sandboxes/c-1/data:/data:ro', '/srv/x:/etc/x:rw']);
  assert.match(refusal(spec({ container: { ...dockerContainer('img:1'), volumes: [{ containerPath: '/d', hostPath: '../../etc', readOnly: false }] } })), /container\.volumes\[0\]\.host_path: '\.\.\/\.\.\/etc' leaves the sandbox/);
  assert.match(refusal(spec({ container: { ...dockerContainer('img:1'), volumes: [{ containerPath: 'rel', hostPath: 'd', readOnly: false }] } })), /container\.volumes\[0\]\.container_path: must be absolute/);
});

test('refusals name the field: no image, unknown network, too many ports', () => {
  assert.match(refusal(spec({ container: dockerContainer('') })), /^container\.docker\.image:/);
  assert.match(refusal(spec({ container: dockerContainer('img', { network: 'overlay' }) })), /^container\.docker\.network: must be bridge, host or none \(got 'overlay'\)/);
  assert.match(refusal(spec({ resources: [ports(30000, 30999)] })), /^resources\.ports: .* at most 128/);
});

test.run();
