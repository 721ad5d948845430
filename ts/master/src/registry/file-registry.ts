// FileRegistry: the standalone master's registry, one JSON file
// (<workDir>/registry.json). Every write replaces the whole file atomically —
// write a temporary file, fsync it, rename it over the old one, fsync the
// directory — so a crash leaves either the old or the new registry, never half
// of one.
//
// Writes are coalesced (as Mesos' registrar batches its operations): a change
// joins the batch of changes waiting for the next write, and one write covers
// every change queued while the previous write was in flight. A change's
// promise resolves once a write containing it is durable. Admitting N agents
// at once therefore costs a handful of whole-file writes, not N of them (each
// O(agents)), which made admissions quadratic.
//
// A failed write changes nothing: the durable state stays what the file holds,
// and every change of that batch is rejected (the caller rolls back); the
// changes queued after it are tried in the next write.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

import type { AgentInfo, FrameworkInfo } from '@tessera/common';

import { decode, encode } from './codec.js';

import { emptyRegistryState, registryChanges, type AgentMode, type RegisteredQuota, type Registry, type RegistryState } from './registry.js';

const FILE = 'registry.json';

interface PendingChange {
  apply: (state: RegistryState) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class FileRegistry implements Registry {
  readonly path: string;
  readonly #dir: string;
  /** What the file holds (the last durable write). */
  #durable: RegistryState = emptyRegistryState();
  #loaded = false;
  /** Changes waiting for the next write. */
  #queued: PendingChange[] = [];
  /** The write loop while it runs; it drains #queued batch by batch. */
  #writing: Promise<void> | undefined;
  /** Set and cleared by the loop itself, synchronously with its last look at the
   *  queue: a change asked for in any later microtask starts a new loop. */
  #draining = false;
  #writes = 0;

  constructor(workDir: string) {
    this.#dir = workDir;
    this.path = join(workDir, FILE);
  }

  /** Whole-file writes done so far (tests and benchmarks read it to see the coalescing). */
  get writes(): number {
    return this.#writes;
  }

  async load(): Promise<RegistryState> {
    await mkdir(this.#dir, { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#durable = text === undefined ? emptyRegistryState() : decode(text, `registry ${this.path}`);
    this.#loaded = true;
    return structuredClone(this.#durable);
  }

  admitAgent(info: AgentInfo): Promise<void> {
    return this.#change((s) => registryChanges.admitAgent(s, info));
  }
  markAgentUnreachable(id: string, at: Date): Promise<void> {
    return this.#change((s) => registryChanges.markAgentUnreachable(s, id, at));
  }
  removeAgent(id: string): Promise<void> {
    return this.#change((s) => registryChanges.removeAgent(s, id));
  }
  addFramework(info: FrameworkInfo): Promise<void> {
    return this.#change((s) => registryChanges.addFramework(s, info));
  }
  updateFramework(info: FrameworkInfo): Promise<void> {
    return this.#change((s) => registryChanges.updateFramework(s, info));
  }
  removeFramework(id: string): Promise<void> {
    return this.#change((s) => registryChanges.removeFramework(s, id));
  }
  setFailoverDeadline(id: string, at: Date | null): Promise<void> {
    return this.#change((s) => registryChanges.setFailoverDeadline(s, id, at));
  }
  setWeight(role: string, weight: number | null): Promise<void> {
    return this.#change((s) => registryChanges.setWeight(s, role, weight));
  }
  setQuota(role: string, quota: RegisteredQuota | null): Promise<void> {
    return this.#change((s) => registryChanges.setQuota(s, role, quota));
  }
  setAgentMode(id: string, mode: AgentMode | null): Promise<void> {
    return this.#change((s) => registryChanges.setAgentMode(s, id, mode));
  }

  async flush(): Promise<void> {
    // The loop may pick up changes queued while we wait; wait for those too.
    while (this.#draining) await this.#writing;
  }

  #change(apply: (state: RegistryState) => void): Promise<void> {
    if (!this.#loaded) return Promise.reject(new Error('registry: load() must be called before any change'));
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ apply, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        this.#writing = this.#drain();
      }
    });
  }

  /** Writes batch after batch until nothing is queued. */
  async #drain(): Promise<void> {
    try {
      // Let the changes asked for in this tick join the first batch.
      await Promise.resolve();
      while (this.#queued.length > 0) {
        const batch = this.#queued;
        this.#queued = [];
        const next = structuredClone(this.#durable);
        try {
          for (const change of batch) change.apply(next);
          await this.#write(next);
        } catch (err) {
          for (const change of batch) change.reject(err);
          continue;
        }
        this.#durable = next;
        this.#writes += 1;
        for (const change of batch) change.resolve();
      }
    } finally {
      // No await between the empty queue above and this: nothing can slip in.
      this.#draining = false;
    }
  }

  async #write(state: RegistryState): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(encode(state));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
