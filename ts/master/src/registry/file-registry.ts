// FileRegistry: the standalone master's registry, one JSON file
// (<workDir>/registry.json). Each change rewrites the whole file atomically —
// write a temporary file, fsync it, rename it over the old one, fsync the
// directory — so a crash leaves either the old or the new registry, never half
// of one. Writes are serialized: a change resolves after every earlier one is
// on disk.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

import { AgentInfo, FrameworkInfo } from '@tessera/common';

import { emptyRegistryState, registryChanges, type Registry, type RegistryState } from './registry.js';

const FILE = 'registry.json';
const FORMAT = 1;

export class FileRegistry implements Registry {
  readonly path: string;
  readonly #dir: string;
  #state: RegistryState = emptyRegistryState();
  #loaded = false;
  #tail: Promise<void> = Promise.resolve();

  constructor(workDir: string) {
    this.#dir = workDir;
    this.path = join(workDir, FILE);
  }

  async load(): Promise<RegistryState> {
    await mkdir(this.#dir, { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#state = text === undefined ? emptyRegistryState() : decode(text, this.path);
    this.#loaded = true;
    return structuredClone(this.#state);
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

  async flush(): Promise<void> {
    await this.#tail;
  }

  /** Applies a change to a copy, persists the copy, then adopts it: a failed write changes nothing. */
  #change(apply: (state: RegistryState) => void): Promise<void> {
    const run = async (): Promise<void> => {
      if (!this.#loaded) throw new Error('registry: load() must be called before any change');
      const next = structuredClone(this.#state);
      apply(next);
      await this.#write(next);
      this.#state = next;
    };
    const result = this.#tail.then(run);
    // The queue goes on after a failed write; the caller sees the failure.
    this.#tail = result.catch(() => undefined);
    return result;
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

function encode(state: RegistryState): string {
  return `${JSON.stringify(
    {
      format: FORMAT,
      agents: state.agents.map((a) => ({ info: AgentInfo.toJSON(a.info), unreachableAt: a.unreachableAt })),
      frameworks: state.frameworks.map((f) => FrameworkInfo.toJSON(f)),
      removedFrameworks: state.removedFrameworks,
      removedAgents: state.removedAgents,
    },
    null,
    2,
  )}\n`;
}

function decode(text: string, path: string): RegistryState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`registry ${path}: not valid JSON (${(err as Error).message})`);
  }
  const r = raw as Partial<Record<string, unknown>>;
  if (r === null || typeof r !== 'object' || r.format !== FORMAT) {
    throw new Error(`registry ${path}: unknown format (expected format ${FORMAT})`);
  }
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return {
    agents: list(r.agents).map((a) => {
      const entry = a as { info?: unknown; unreachableAt?: unknown };
      const out: RegistryState['agents'][number] = { info: AgentInfo.fromJSON(entry.info) };
      if (typeof entry.unreachableAt === 'string') out.unreachableAt = entry.unreachableAt;
      return out;
    }),
    frameworks: list(r.frameworks).map((f) => FrameworkInfo.fromJSON(f)),
    removedFrameworks: list(r.removedFrameworks).filter((x): x is string => typeof x === 'string'),
    removedAgents: list(r.removedAgents).filter((x): x is string => typeof x === 'string'),
  };
}
