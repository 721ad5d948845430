// Which master to dial next: the one a non-leading master named as leader,
// otherwise the configured masters in turn — or, given zk://…, the leader
// ZooKeeper names.

export class MasterList implements Masters {
  readonly #configured: readonly string[];
  #index = 0;
  #leader: string | undefined;

  constructor(addresses: readonly string[]) {
    this.#configured = addresses;
  }

  /** The address to dial now. */
  current(): string {
    return this.#leader ?? this.#configured[this.#index % this.#configured.length]!;
  }

  whenKnown(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  /** A master answered UNAVAILABLE naming the leader: dial it next. */
  follow(leader: string): void {
    this.#leader = leader;
  }

  /** The current master failed without naming a leader: try the next one. A
   *  followed leader that fails is forgotten, back to the configured list. */
  rotate(): void {
    if (this.#leader !== undefined) {
      this.#leader = undefined;
      return;
    }
    this.#index = (this.#index + 1) % this.#configured.length;
  }
}

/** Where the masters are: fixed addresses, or the leader as ZooKeeper names it. */
export interface Masters {
  /** The address to dial now; undefined while no leader is known (wait for whenKnown()). */
  current(): string | undefined;
  follow(leader: string): void;
  rotate(): void;
  /** Resolves once current() has an address. */
  whenKnown(): Promise<void>;
  close(): void;
}

/** The leader named in ZooKeeper (zk://host:port,…/path), through @tessera/ha's LeaderDetector. */
export class DetectedMasters implements Masters {
  #leader: string | undefined;
  /** A leader a master named in an UNAVAILABLE answer: fresher than ZooKeeper's word until it changes. */
  #followed: string | undefined;
  #waiters: Array<() => void> = [];
  #stop: (() => void) | undefined;
  #closed = false;

  /** `onLeader` is told each time ZooKeeper names a new leader (the client re-subscribes there at once). */
  constructor(url: string, onError: (err: unknown) => void, onLeader: () => void = () => undefined) {
    // Loaded on demand: only a client given a zk:// address needs the native ZooKeeper client.
    import('@tessera/ha').then(
      ({ LeaderDetector }) => {
        if (this.#closed) return;
        const detector = new LeaderDetector({ zk: url });
        detector.on('leader', (leader: { address: string } | null) => {
          this.#leader = leader?.address;
          this.#followed = undefined;
          if (this.#leader !== undefined) {
            for (const wake of this.#waiters.splice(0)) wake();
            onLeader();
          }
        });
        detector.on('warning', onError);
        this.#stop = () => detector.stop();
        detector.start().catch(onError);
      },
      (err: unknown) => onError(err),
    );
  }

  current(): string | undefined {
    return this.#followed ?? this.#leader;
  }

  follow(leader: string): void {
    this.#followed = leader;
  }

  rotate(): void {
    this.#followed = undefined;
  }

  whenKnown(): Promise<void> {
    if (this.current() !== undefined || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#stop?.();
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
