// Which master to dial next: the one a non-leading master named as leader,
// otherwise the configured masters in turn.

export class MasterList {
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
