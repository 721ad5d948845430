// The fetcher's content cache under <workDir>/cache: one file per URI (named
// by the URI's sha256), bounded in total bytes, least recently used evicted
// first. Fetches of the same URI at the same time share one download: the
// first fills the entry, the others wait for it (and share its failure).
// An entry being copied out is leased and never evicted under the copier;
// an entry larger than the whole bound serves its fetches and then goes.
// The cache does not outlive the agent: it is emptied at start (as Mesos).

import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '@tessera/common';

interface Entry {
  key: string;
  file: string;
  size: number;
  leases: number;
}

export interface CacheLease {
  file: string;
  /** True when the bytes were already cached (no download for this fetch). */
  hit: boolean;
  release(): void;
}

export class FetcherCache {
  /** Insertion order = recency: a used entry is moved to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly filling = new Map<string, { done: Promise<Entry>; waiters: number }>();
  private total = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Empties the cache directory (left by an earlier run). */
  async start(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * A lease on the cached copy of `key`, filling it with `fill(file)` (which
   * writes the file and returns its size) unless it is cached or being filled.
   */
  async acquire(key: string, fill: (file: string) => Promise<number>): Promise<CacheLease> {
    const cached = this.entries.get(key);
    if (cached) return this.lease(cached, true);
    const pending = this.filling.get(key);
    if (pending) {
      pending.waiters++;
      return this.lease(await pending.done, true, false);
    }
    // The filler reads the waiter count when the bytes are in, so it is a field the waiters bump.
    const record = { waiters: 0 } as { done: Promise<Entry>; waiters: number };
    record.done = this.fill(key, fill, () => record.waiters);
    this.filling.set(key, record);
    try {
      return this.lease(await record.done, false, false);
    } finally {
      this.filling.delete(key);
    }
  }

  private async fill(key: string, fill: (file: string) => Promise<number>, waiters: () => number): Promise<Entry> {
    const file = path.join(this.dir, createHash('sha256').update(key).digest('hex'));
    const size = await fill(file);
    // Leases for the filler and every waiter are taken now, before any eviction.
    const entry: Entry = { key, file, size, leases: 1 + waiters() };
    this.entries.set(key, entry);
    this.total += size;
    this.evict();
    return entry;
  }

  private lease(entry: Entry, hit: boolean, take = true): CacheLease {
    if (take) entry.leases++;
    // Most recently used goes to the end.
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    let released = false;
    return {
      file: entry.file,
      hit,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        this.evict();
      },
    };
  }

  /** Drops unleased entries, least recently used first, while over the bound. */
  private evict(): void {
    for (const entry of [...this.entries.values()]) {
      if (this.total <= this.maxBytes) return;
      if (entry.leases > 0) continue;
      this.entries.delete(entry.key);
      this.total -= entry.size;
      this.logger.info({ uri: entry.key, bytes: entry.size }, 'fetcher cache: evicted');
      void rm(entry.file, { force: true });
    }
  }
}
