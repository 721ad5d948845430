// A ContainerSpec as Docker's container create options: the command, the
// sandbox bind-mounted at SANDBOX_IN_CONTAINER (also the working dir), the
// task's cpus and mem as Docker limits, its ports published host → container
// (same port, or the one its port mapping names),
// and the labels recovery relies on. Bad ContainerInfo fields become a
// ContainerLaunchError naming the field.

import path from 'node:path';

import type { ContainerInfo_DockerInfo_PortMapping, Resource } from '@tessera/common';
import type Docker from 'dockerode';

import { ContainerLaunchError, type ContainerSpec } from '../containerizer.js';
import { NAME_PREFIX, labelsFor } from './labels.js';

export const SANDBOX_IN_CONTAINER = '/mnt/tessera/sandbox';

/** Each published port costs a docker-proxy process; more than this is a mistake, not a task. */
const MAX_PUBLISHED_PORTS = 128;
/** Docker refuses memory limits under 6 MiB. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const NETWORKS = new Set(['bridge', 'host', 'none']);

export function createOptions(spec: ContainerSpec, workDir: string): Docker.ContainerCreateOptions {
  const docker = spec.container?.docker;
  const image = docker?.image ?? '';
  if (image.trim() === '') throw new ContainerLaunchError('container.docker.image: a Docker container needs an image');
  const network = docker?.network || 'bridge';
  if (!NETWORKS.has(network)) {
    throw new ContainerLaunchError(`container.docker.network: must be bridge, host or none (got '${network}')`);
  }
  const published = network === 'bridge' ? publishedPorts(spec.resources, docker?.portMappings ?? []) : [];
  const { entrypoint, cmd } = command(spec);
  const hostname = spec.container?.hostname;
  return {
    name: NAME_PREFIX + spec.containerId,
    Image: image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Env: environment(spec.env),
    WorkingDir: SANDBOX_IN_CONTAINER,
    Labels: labelsFor(spec, workDir),
    ...(hostname && network !== 'host' ? { Hostname: hostname } : {}),
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    ExposedPorts: Object.fromEntries(published.map((p) => [p.inside, {}])),
    HostConfig: {
      Binds: [`${spec.sandbox}:${SANDBOX_IN_CONTAINER}:rw`, ...volumes(spec)],
      NetworkMode: network,
      PortBindings: Object.fromEntries(published.map((p) => [p.inside, [{ HostPort: String(p.hostPort) }]])),
      Privileged: docker?.privileged ?? false,
      // tini as pid 1: a SIGTERM reaches the task's process (a shell as pid 1 would ignore it).
      Init: true,
      ...limits(spec.resources),
    },
  };
}

/** shell → `sh -c value`; else value is the program and arguments[1..] its argv (argv[0] is Docker's to set). */
function command(spec: ContainerSpec): { entrypoint?: string[]; cmd: string[] } {
  const { shell, value, arguments: args } = spec.command;
  if (shell) return { entrypoint: ['/bin/sh', '-c'], cmd: [value] };
  // No program: the image's own entrypoint, with the arguments as its command (as Mesos).
  if (value === '') return { cmd: args };
  return { entrypoint: [value], cmd: args.slice(1) };
}

/**
 * The task's environment, with TESSERA_SANDBOX pointing at the mount. The
 * agent's own PATH is left out: it names host directories, and the image's
 * PATH is the one that fits its filesystem.
 */
function environment(env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (name === 'PATH' && value === process.env.PATH) continue;
    out.push(`${name}=${name === 'TESSERA_SANDBOX' ? SANDBOX_IN_CONTAINER : value}`);
  }
  return out;
}

function volumes(spec: ContainerSpec): string[] {
  return (spec.container?.volumes ?? []).map((volume, index) => {
    const field = `container.volumes[${index}]`;
    if (!path.isAbsolute(volume.containerPath)) throw new ContainerLaunchError(`${field}.container_path: must be absolute (got '${volume.containerPath}')`);
    if (volume.hostPath === '') throw new ContainerLaunchError(`${field}.host_path: must not be empty`);
    // A relative host path lives in the sandbox, and may not climb out of it.
    const host = path.resolve(spec.sandbox, volume.hostPath);
    if (!path.isAbsolute(volume.hostPath) && !host.startsWith(spec.sandbox + path.sep)) {
      throw new ContainerLaunchError(`${field}.host_path: '${volume.hostPath}' leaves the sandbox`);
    }
    for (const part of [host, volume.containerPath]) {
      if (part.includes(':') || part.includes(',')) throw new ContainerLaunchError(`${field}: paths must not contain ':' or ','`);
    }
    return `${host}:${volume.containerPath}:${volume.readOnly ? 'ro' : 'rw'}`;
  });
}

/** cpus → a CFS quota (NanoCpus) and proportional shares; mem (MiB) → a hard limit without swap. */
function limits(resources: readonly Resource[]): Docker.HostConfig {
  const cpus = scalar(resources, 'cpus');
  const mem = scalar(resources, 'mem');
  const out: Docker.HostConfig = {};
  if (cpus > 0) {
    out.NanoCpus = Math.round(cpus * 1e9);
    out.CpuShares = Math.max(2, Math.round(cpus * 1024));
  }
  if (mem > 0) {
    const bytes = Math.max(MIN_MEMORY_BYTES, Math.round(mem * 1024 * 1024));
    out.Memory = bytes;
    out.MemorySwap = bytes;
  }
  return out;
}

function scalar(resources: readonly Resource[], name: string): number {
  return resources.filter((r) => r.name === name && r.scalar).reduce((sum, r) => sum + r.scalar!.value, 0);
}

interface Published {
  hostPort: number;
  /** Docker's key for the container side: "8080/tcp". */
  inside: string;
}

/**
 * The task's host ports, each published on the port its mapping names inside
 * the container, or on the same port when it has none (the task reads its
 * ports from PORT0.. as under the other containerizers). A mapping must name
 * one of the task's ports: those are what the offer gave it.
 */
function publishedPorts(resources: readonly Resource[], mappings: readonly ContainerInfo_DockerInfo_PortMapping[]): Published[] {
  const ports = taskPorts(resources);
  if (ports.length > MAX_PUBLISHED_PORTS) {
    throw new ContainerLaunchError(`resources.ports: more than ${MAX_PUBLISHED_PORTS} ports to publish; the Docker containerizer publishes at most ${MAX_PUBLISHED_PORTS} (use network host)`);
  }
  const mapped = new Map<number, Published[]>();
  mappings.forEach((mapping, index) => {
    const field = `container.docker.port_mappings[${index}]`;
    if (!ports.includes(mapping.hostPort)) {
      throw new ContainerLaunchError(`${field}.host_port: ${mapping.hostPort} is not among the task's ports (${ports.join(',') || 'none'})`);
    }
    if (!Number.isInteger(mapping.containerPort) || mapping.containerPort < 1 || mapping.containerPort > 65535) {
      throw new ContainerLaunchError(`${field}.container_port: must be in 1-65535 (got ${mapping.containerPort})`);
    }
    const protocol = mapping.protocol === '' ? 'tcp' : mapping.protocol;
    if (protocol !== 'tcp' && protocol !== 'udp') throw new ContainerLaunchError(`${field}.protocol: must be tcp or udp (got '${mapping.protocol}')`);
    mapped.set(mapping.hostPort, [...(mapped.get(mapping.hostPort) ?? []), { hostPort: mapping.hostPort, inside: `${mapping.containerPort}/${protocol}` }]);
  });
  const published = ports.flatMap((port) => mapped.get(port) ?? [{ hostPort: port, inside: `${port}/tcp` }]);
  const insides = new Set<string>();
  for (const p of published) {
    if (insides.has(p.inside)) throw new ContainerLaunchError(`container.docker.port_mappings: container port ${p.inside} is mapped twice`);
    insides.add(p.inside);
  }
  return published;
}

function taskPorts(resources: readonly Resource[]): number[] {
  const ports: number[] = [];
  for (const resource of resources) {
    if (resource.name !== 'ports' || !resource.ranges) continue;
    for (const range of resource.ranges.range) {
      for (let port = range.begin; port <= range.end && ports.length <= MAX_PUBLISHED_PORTS; port++) ports.push(port);
    }
  }
  return ports;
}
