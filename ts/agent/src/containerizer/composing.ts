// ComposingContainerizer: the agent's one Containerizer, made of the ones it
// was started with (--containerizers=native,docker). Each task's
// ContainerInfo.type picks one: DOCKER → docker; NATIVE or unspecified →
// native (which is posix where namespaces and cgroups are unavailable), else
// posix. A task naming a containerizer the agent lacks fails to launch with a
// message saying which flag to pass, as Mesos does.

import { ContainerInfo_Type } from '@tessera/common';

import {
  ContainerLaunchError,
  type Container,
  type ContainerSpec,
  type ContainerUsage,
  type Containerizer,
  type RecoverOptions,
  type Recovered,
} from './containerizer.js';

export type ContainerizerName = 'native' | 'docker' | 'posix';
export const CONTAINERIZER_NAMES: readonly ContainerizerName[] = ['native', 'docker', 'posix'];

export class ComposingContainerizer implements Containerizer {
  readonly name = 'composing';
  /** Which containerizer runs each live container, so kill and usage go to the right one. */
  private readonly owners = new Map<string, Containerizer>();

  /**
   * @param members the configured containerizers by flag name; `native` may be
   *   a PosixContainerizer when the host lacks cgroups (the start-up choice).
   */
  constructor(private readonly members: Partial<Record<ContainerizerName, Containerizer>>) {
    if (Object.values(members).every((member) => member === undefined)) {
      throw new TypeError('containerizers: at least one containerizer is needed');
    }
  }

  /** The containerizer a spec goes to, or a launch error naming the missing flag. */
  choose(spec: Pick<ContainerSpec, 'container'>): Containerizer {
    const type = spec.container?.type ?? ContainerInfo_Type.UNSPECIFIED;
    const configured = this.configuredFlag();
    if (type === ContainerInfo_Type.DOCKER) {
      if (this.members.docker) return this.members.docker;
      throw new ContainerLaunchError(
        `container.type is DOCKER but this agent runs with --containerizers=${configured}; start it with --containerizers=${configured},docker`,
      );
    }
    if (type === ContainerInfo_Type.NATIVE || type === ContainerInfo_Type.UNSPECIFIED) {
      const member = this.members.native ?? this.members.posix;
      if (member) return member;
      throw new ContainerLaunchError(
        `container.type is ${type === ContainerInfo_Type.NATIVE ? 'NATIVE' : 'unspecified (NATIVE)'} but this agent runs with --containerizers=${configured}; start it with --containerizers=native,${configured}`,
      );
    }
    throw new ContainerLaunchError(`container.type: unknown containerizer type ${String(type)}`);
  }

  async launch(spec: ContainerSpec): Promise<Container> {
    if (this.owners.has(spec.containerId)) throw new ContainerLaunchError(`container ${spec.containerId} already exists`);
    const member = this.choose(spec);
    const container = await member.launch(spec);
    this.owners.set(spec.containerId, member);
    void container.exited.then(() => {
      if (this.owners.get(spec.containerId) === member) this.owners.delete(spec.containerId);
    });
    return container;
  }

  async kill(containerId: string, graceMs: number): Promise<void> {
    await this.owners.get(containerId)?.kill(containerId, graceMs);
  }

  containers(): Container[] {
    return this.distinctMembers().flatMap((member) => member.containers());
  }

  async recover(known?: ReadonlySet<string>, options?: RecoverOptions): Promise<Recovered> {
    const found = await Promise.all(
      this.distinctMembers().map(async (member) => {
        const recovered = await member.recover(known, options);
        // Re-attached containers are owned by the member that found them, so kill and usage reach it.
        for (const container of recovered.reattached) {
          this.owners.set(container.containerId, member);
          void container.exited.then(() => {
            if (this.owners.get(container.containerId) === member) this.owners.delete(container.containerId);
          });
        }
        return recovered;
      }),
    );
    return { destroyed: found.flatMap((r) => r.destroyed), reattached: found.flatMap((r) => r.reattached) };
  }

  detach(): void {
    for (const member of this.distinctMembers()) member.detach?.();
    this.owners.clear();
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    return this.owners.get(containerId)?.usage?.(containerId);
  }

  /** The member a live container runs under (for /state and tests). */
  ownerOf(containerId: string): Containerizer | undefined {
    return this.owners.get(containerId);
  }

  private distinctMembers(): Containerizer[] {
    return [...new Set(Object.values(this.members).filter((member): member is Containerizer => member !== undefined))];
  }

  private configuredFlag(): string {
    return CONTAINERIZER_NAMES.filter((name) => this.members[name] !== undefined).join(',');
  }
}
