// Helpers for the Docker containerizer's tests. They use the real engine on
// /var/run/docker.sock and the image scripts/provision-docker.sh builds
// offline (`npm test -- docker`); nothing here stands in for Docker.

import Docker from 'dockerode';

import { ContainerInfo, ContainerInfo_DockerInfo, ContainerInfo_Type, type Resource } from '@tessera/common';

import { LABEL } from '../src/containerizer/docker/labels.js';

export const TEST_IMAGE = process.env.TESSERA_TEST_IMAGE ?? 'tessera-test/busybox:latest';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Fails the test file at once, with what to do, when Docker or the image is missing. */
export async function requireDocker(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`these tests need a running dockerd (${(err as Error).message}): run bash scripts/provision-docker.sh as root`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`these tests need the image ${TEST_IMAGE}: run bash scripts/provision-docker.sh as root`);
  }
}

/** A DOCKER ContainerInfo: the image, network none unless `docker` says otherwise. */
export function dockerContainer(image = TEST_IMAGE, docker: Partial<ContainerInfo_DockerInfo> = {}, extra: Partial<ContainerInfo> = {}): ContainerInfo {
  return ContainerInfo.create({ type: ContainerInfo_Type.DOCKER, docker: ContainerInfo_DockerInfo.create({ image, network: 'none', ...docker }), ...extra });
}

export function scalar(name: string, value: number): Resource {
  return { name, scalar: { value }, reservation: '', revocable: false };
}

export function ports(begin: number, end: number): Resource {
  return { name: 'ports', ranges: { range: [{ begin, end }] }, reservation: '', revocable: false };
}

/** Docker containers an agent with this work dir started (running or not). */
export async function containersOf(workDir: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL.workDir}=${workDir}`] } });
}

/** Test cleanup: removes every container labelled with these work dirs, whatever happened in the test. */
export async function removeContainersOf(...workDirs: string[]): Promise<void> {
  for (const workDir of workDirs) {
    for (const info of await containersOf(workDir).catch(() => [])) {
      await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}
