// Seeded randomness for the property and differential tests: the same seed
// gives the same cluster and the same operations, so a failure names its seed
// and reproduces with `SEED=<n> npm test -- uvu`.

export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }
}

/** Seeds to run: SEED=n runs one, otherwise `count` from `base`. */
export function seeds(count: number, base = 1): number[] {
  const one = process.env.SEED;
  if (one !== undefined) return [Number(one)];
  return Array.from({ length: count }, (_, i) => base + i);
}
