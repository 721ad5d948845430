// ComposingContainerizer's choice and bookkeeping, with SCRIPTED members (test
// doubles that record calls; no processes): which member a ContainerInfo.type
// goes to, the launch error naming the missing flag, and that kill and usage
// reach the member that launched the container.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ContainerInfo, ContainerInfo_Type } from '@tessera/common';

import { ComposingContainerizer } from '../src/containerizer/composing.js';
import type { Container, ContainerSpec, ContainerUsage, Containerizer, ExitStatus, Recovered } from '../src/containerizer/containerizer.js';

class ScriptedContainerizer implements Containerizer {
  readonly launched: string[] = [];
  readonly killed: string[] = [];
  private readonly live = new Map<string, { container: Container; end: (exit: ExitStatus) => void }>();

  constructor(readonly name: string) {}

  async launch(spec: ContainerSpec): Promise<Container> {
    this.launched.push(spec.containerId);
    let end!: (exit: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((resolve) => (end = resolve));
    const container = { containerId: spec.containerId, pid: 1, exited };
    this.live.set(spec.containerId, { container, end });
    return container;
  }

  async kill(containerId: string): Promise<void> {
    this.killed.push(containerId);
    this.live.get(containerId)?.end({ code: null, signal: 'SIGTERM' });
    this.live.delete(containerId);
  }

  containers(): Container[] {
    return [...this.live.values()].map((entry) => entry.container);
  }

  async recover(): Promise<Recovered> {
    return { destroyed: [`${this.name}-leftover`], reattached: [] };
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    return this.live.has(containerId) ? { cpuUserSeconds: 1, cpuSystemSeconds: 0, memoryBytes: this.name.length } : undefined;
  }
}

const spec = (containerId: string, type?: ContainerInfo_Type): ContainerSpec => ({
  containerId,
  command: { shell: true, value: 'true', arguments: [] },
  sandbox: '/tmp',
  env: {},
  resources: [],
  container: type === undefined ? undefined : ContainerInfo.create({ type }),
});

test('NATIVE and unspecified go to native, DOCKER to docker; kill and usage reach the launching member', async () => {
  const native = new ScriptedContainerizer('native');
  const docker = new ScriptedContainerizer('docker');
  const composing = new ComposingContainerizer({ native, docker });
  await composing.launch(spec('a'));
  await composing.launch(spec('b', ContainerInfo_Type.NATIVE));
  await composing.launch(spec('c', ContainerInfo_Type.DOCKER));
  assert.equal(native.launched, ['a', 'b']);
  assert.equal(docker.launched, ['c']);
  assert.is((await composing.usage('c'))!.memoryBytes, 'docker'.length);
  await composing.kill('c', 0);
  assert.equal(docker.killed, ['c']);
  assert.equal(native.killed, []);
  assert.equal(composing.containers().map((c) => c.containerId).sort(), ['a', 'b']);
  assert.equal((await composing.recover()).destroyed.sort(), ['docker-leftover', 'native-leftover']);
  await composing.launch(spec('a')).then(
    () => assert.unreachable('ids are unique across members'),
    (err: Error) => assert.match(err.message, /already exists/),
  );
});

test('a type the agent was not started with: a launch error naming the flag', async () => {
  const onlyNative = new ComposingContainerizer({ native: new ScriptedContainerizer('native') });
  await onlyNative.launch(spec('d', ContainerInfo_Type.DOCKER)).then(
    () => assert.unreachable(),
    (err: Error) => {
      assert.is(err.name, 'ContainerLaunchError');
      assert.match(err.message, /container\.type is DOCKER but this agent runs with --containerizers=native; start it with --containerizers=native,docker/);
    },
  );
  const onlyDocker = new ComposingContainerizer({ docker: new ScriptedContainerizer('docker') });
  await onlyDocker.launch(spec('n')).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, /--containerizers=native,docker/),
  );
  // posix alone serves NATIVE/unspecified (it is the degraded native).
  const posix = new ScriptedContainerizer('posix');
  await new ComposingContainerizer({ posix }).launch(spec('p', ContainerInfo_Type.NATIVE));
  assert.equal(posix.launched, ['p']);
  assert.throws(() => new ComposingContainerizer({}), /at least one/);
});

test.run();
