// ZkRegistry: the registry of a master elected through ZooKeeper, kept in
// ZooKeeper itself so whichever master leads next reads what this one wrote.
//
//   <path>/registry/meta          {"format":1,"shards":N}, written once
//   <path>/registry/shard-0000…   one part of the RegistryState, gzipped JSON
//
// Why shards: a znode holds at most ~1 MiB (jute.maxbuffer), and 10,000 agents
// take several. An agent or framework lives in the shard its id hashes to, and
// so does its id once removed, so every change touches exactly one shard.
//
// Fencing (a deposed master must not write): every write is a
// set(shard, data, expectedVersion) — a compare-and-set on that shard. When a
// master is elected, load() reads every shard and writes it back unchanged
// with the version it read, which moves every shard's version past anything a
// previous leader knows. From then on a previous leader's write fails with
// ZBADVERSION, whatever it believes about its leadership. A write of the old
// leader that lands before the new leader's takeover of that shard makes the
// takeover's compare-and-set fail instead, and the takeover reads again, so
// the new leader starts from every write the old one completed. The binding
// has no multi-op, which would let a write check the leader's election node
// too; per-shard compare-and-set gives the same guarantee without it.
//
// Writes to one shard are coalesced as in FileRegistry: changes queued while a
// write is in flight go out together in the next one. Shards write in parallel.
// A write whose connection dropped may or may not have been applied; it waits
// for the session to reconnect and reads the shard to find out (same version:
// not applied, written again; the next version with our bytes: applied;
// anything else: another master wrote, so we are fenced).
//
// Once fenced (or the session lost), every pending and later change is
// rejected and 'fenced' is emitted: the master must stop acting at once.

import { EventEmitter } from 'node:events';
import { gunzipSync, gzipSync } from 'node:zlib';

import { ZK, joinPath, type ZkError, type ZkSession } from '@tessera/ha';
import type { AgentInfo, FrameworkInfo } from '@tessera/common';

import { decode, encode } from './codec.js';
import { REMOVED_IDS_KEPT, emptyRegistryState, registryChanges, type AgentMode, type RegisteredQuota, type Registry, type RegistryState } from './registry.js';

const META_FORMAT = 1;
/** Shards of a new registry: 10,000 agents make ~300 per shard, ~20 KiB gzipped. */
export const DEFAULT_SHARDS = 32;
/** Leave room under ZooKeeper's 1 MiB default jute.maxbuffer for the request around the data. */
const MAX_SHARD_BYTES = 1000 * 1024;
/** Takeover attempts per shard against a master still writing it. */
const TAKEOVER_ATTEMPTS = 50;

interface PendingChange {
  apply: (state: RegistryState) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Shard {
  path: string;
  /** What the znode holds, as of our last read or write. */
  durable: RegistryState;
  version: number;
  queued: PendingChange[];
  draining: boolean;
  writing?: Promise<void>;
}

/** Thrown for every change once another master has written the registry, or our session is gone. */
export class RegistryFencedError extends Error {
  constructor(why: string) {
    super(`registry: fenced, this master no longer leads (${why})`);
    this.name = 'RegistryFencedError';
  }
}

export interface ZkRegistryOptions {
  /** The leader's session: the one holding its election node. */
  session: ZkSession;
  /** The --zk path (the election's parent); the registry goes under <path>/registry. */
  path: string;
  /** Shards of a registry created now; an existing registry keeps its own. */
  shards?: number;
}

/** 32-bit FNV-1a of an id: its shard, stable across processes and versions. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * Events: 'fenced' (RegistryFencedError) once, when a write finds another
 * master wrote since our takeover, or the session is lost.
 */
export class ZkRegistry extends EventEmitter implements Registry {
  readonly root: string;
  readonly #session: ZkSession;
  readonly #newShards: number;
  #shards: Shard[] = [];
  #fenced: RegistryFencedError | undefined;
  #writes = 0;

  constructor(opts: ZkRegistryOptions) {
    super();
    this.#session = opts.session;
    this.root = joinPath(opts.path, 'registry');
    this.#newShards = opts.shards ?? DEFAULT_SHARDS;
    if (!Number.isInteger(this.#newShards) || this.#newShards < 1 || this.#newShards > 4096) {
      throw new TypeError(`shards: must be an integer in [1, 4096] (got ${String(opts.shards)})`);
    }
    this.#session.once('lost', (why: string) => this.#fence(`zookeeper session lost: ${why}`));
  }

  /** Shard writes done so far (tests read it to see the coalescing). */
  get writes(): number {
    return this.#writes;
  }

  get fenced(): boolean {
    return this.#fenced !== undefined;
  }

  /** Reads every shard and takes it over (see the top of the file); the union is the registry. */
  async load(): Promise<RegistryState> {
    await this.#session.ensurePath(this.root);
    const shards = await this.#readMeta();
    this.#shards = await Promise.all(Array.from({ length: shards }, (_, i) => this.#takeOver(joinPath(this.root, `shard-${String(i).padStart(4, '0')}`))));
    const state = emptyRegistryState();
    for (const shard of this.#shards) {
      state.agents.push(...shard.durable.agents);
      state.frameworks.push(...shard.durable.frameworks);
      state.removedAgents.push(...shard.durable.removedAgents);
      state.removedFrameworks.push(...shard.durable.removedFrameworks);
      Object.assign(state.failoverDeadlines, shard.durable.failoverDeadlines);
      Object.assign(state.weights, shard.durable.weights);
      Object.assign(state.quotas, shard.durable.quotas);
      Object.assign(state.agentModes, shard.durable.agentModes);
    }
    return structuredClone(state);
  }

  admitAgent(info: AgentInfo): Promise<void> {
    return this.#change(info.id, (s) => registryChanges.admitAgent(s, info));
  }
  markAgentUnreachable(id: string, at: Date): Promise<void> {
    return this.#change(id, (s) => registryChanges.markAgentUnreachable(s, id, at));
  }
  removeAgent(id: string): Promise<void> {
    return this.#change(id, (s) => {
      registryChanges.removeAgent(s, id);
      trim(s.removedAgents, this.#shards.length);
    });
  }
  addFramework(info: FrameworkInfo): Promise<void> {
    return this.#change(info.id, (s) => registryChanges.addFramework(s, info));
  }
  updateFramework(info: FrameworkInfo): Promise<void> {
    return this.#change(info.id, (s) => registryChanges.updateFramework(s, info));
  }
  removeFramework(id: string): Promise<void> {
    return this.#change(id, (s) => {
      registryChanges.removeFramework(s, id);
      trim(s.removedFrameworks, this.#shards.length);
    });
  }

  setFailoverDeadline(id: string, at: Date | null): Promise<void> {
    return this.#change(id, (s) => registryChanges.setFailoverDeadline(s, id, at));
  }
  // Roles shard by name like ids: each role's setting lives in one shard.
  setWeight(role: string, weight: number | null): Promise<void> {
    return this.#change(role, (s) => registryChanges.setWeight(s, role, weight));
  }
  setQuota(role: string, quota: RegisteredQuota | null): Promise<void> {
    return this.#change(role, (s) => registryChanges.setQuota(s, role, quota));
  }
  setAgentMode(id: string, mode: AgentMode | null): Promise<void> {
    return this.#change(id, (s) => registryChanges.setAgentMode(s, id, mode));
  }

  async flush(): Promise<void> {
    for (const shard of this.#shards) while (shard.draining) await shard.writing;
  }

  async #readMeta(): Promise<number> {
    const path = joinPath(this.root, 'meta');
    for (;;) {
      try {
        const [, data] = await this.#session.get(path);
        const meta = JSON.parse(data.toString()) as { format?: unknown; shards?: unknown };
        if (meta.format !== META_FORMAT || !Number.isInteger(meta.shards) || (meta.shards as number) < 1) {
          throw new Error(`registry ${path}: unknown format ${data.toString().slice(0, 100)} (expected format ${META_FORMAT})`);
        }
        return meta.shards as number;
      } catch (err) {
        if (!isCode(err, ZK.ZNONODE)) throw err;
      }
      try {
        await this.#session.create(path, JSON.stringify({ format: META_FORMAT, shards: this.#newShards }), 0);
      } catch (err) {
        if (!isCode(err, ZK.ZNODEEXISTS)) throw err;
      }
    }
  }

  async #takeOver(path: string): Promise<Shard> {
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
      let stat;
      let data: Buffer | string;
      try {
        [stat, data] = await this.#session.get(path);
      } catch (err) {
        if (!isCode(err, ZK.ZNONODE)) throw err;
        try {
          await this.#session.create(path, pack(emptyRegistryState()), 0);
        } catch (e) {
          if (!isCode(e, ZK.ZNODEEXISTS)) throw e;
        }
        continue;
      }
      const durable = unpack(data, path);
      try {
        const written = await this.#session.set(path, typeof data === 'string' ? Buffer.from(data) : data, stat.version);
        return { path, durable, version: written.version, queued: [], draining: false };
      } catch (err) {
        // Another master wrote this shard between our read and our write: read again.
        if (!isCode(err, ZK.ZBADVERSION)) throw err;
      }
    }
    throw new Error(`registry ${path}: could not take the shard over in ${TAKEOVER_ATTEMPTS} attempts (another master keeps writing it)`);
  }

  #change(id: string, apply: (state: RegistryState) => void): Promise<void> {
    if (this.#fenced) return Promise.reject(this.#fenced);
    if (this.#shards.length === 0) return Promise.reject(new Error('registry: load() must be called before any change'));
    const shard = this.#shards[shardOf(id, this.#shards.length)]!;
    return new Promise<void>((resolve, reject) => {
      shard.queued.push({ apply, resolve, reject });
      if (!shard.draining) {
        shard.draining = true;
        shard.writing = this.#drain(shard);
      }
    });
  }

  async #drain(shard: Shard): Promise<void> {
    try {
      await Promise.resolve();
      while (shard.queued.length > 0) {
        const batch = shard.queued;
        shard.queued = [];
        if (this.#fenced) {
          for (const change of batch) change.reject(this.#fenced);
          continue;
        }
        const next = structuredClone(shard.durable);
        try {
          for (const change of batch) change.apply(next);
          await this.#write(shard, next);
        } catch (err) {
          for (const change of batch) change.reject(err);
          continue;
        }
        this.#writes += 1;
        for (const change of batch) change.resolve();
      }
    } finally {
      shard.draining = false;
    }
  }

  /** One compare-and-set of a shard; resolves once it is applied, whatever connection drops happen meanwhile. */
  async #write(shard: Shard, next: RegistryState): Promise<void> {
    const data = pack(next);
    if (data.length > MAX_SHARD_BYTES) {
      throw new Error(`registry ${shard.path}: ${data.length} bytes gzipped, over the ${MAX_SHARD_BYTES}-byte znode limit; the registry needs more shards`);
    }
    for (;;) {
      if (this.#fenced) throw this.#fenced;
      try {
        const stat = await this.#session.set(shard.path, data, shard.version);
        shard.version = stat.version;
        shard.durable = next;
        return;
      } catch (err) {
        if (isCode(err, ZK.ZBADVERSION) || isCode(err, ZK.ZNONODE)) {
          throw this.#fence(`${shard.path} was written by another master (expected version ${shard.version})`);
        }
        if (!isCode(err, ZK.ZCONNECTIONLOSS) && !isCode(err, ZK.ZOPERATIONTIMEOUT)) throw err;
      }
      // Applied or not? Ask once the connection is back.
      try {
        await this.#session.whenConnected();
      } catch (err) {
        throw this.#fence((err as Error).message);
      }
      let stat;
      let now: Buffer | string;
      try {
        [stat, now] = await this.#session.get(shard.path);
      } catch (err) {
        if (isCode(err, ZK.ZCONNECTIONLOSS) || isCode(err, ZK.ZOPERATIONTIMEOUT)) continue;
        throw err;
      }
      if (stat.version === shard.version) continue; // not applied: write it again
      if (stat.version === shard.version + 1 && Buffer.from(now).equals(data)) {
        shard.version = stat.version;
        shard.durable = next;
        return;
      }
      throw this.#fence(`${shard.path} moved to version ${stat.version} under us`);
    }
  }

  #fence(why: string): RegistryFencedError {
    if (this.#fenced) return this.#fenced;
    this.#fenced = new RegistryFencedError(why);
    for (const shard of this.#shards) {
      const queued = shard.queued;
      shard.queued = [];
      for (const change of queued) change.reject(this.#fenced);
    }
    this.emit('fenced', this.#fenced);
    return this.#fenced;
  }
}

// By shape, not instanceof: a test may load @tessera/ha from its sources while this module loads its build.
function isCode(err: unknown, code: number | undefined): boolean {
  return code !== undefined && err instanceof Error && err.name === 'ZkError' && (err as ZkError).code === code;
}

function pack(state: RegistryState): Buffer {
  return gzipSync(encode(state));
}

function unpack(data: Buffer | string, path: string): RegistryState {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (bytes.length === 0) return emptyRegistryState();
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (err) {
    throw new Error(`registry ${path}: not gzip (${(err as Error).message})`);
  }
  return decode(text, `registry ${path}`);
}

/** Removed ids are bounded per shard, so the whole registry keeps about REMOVED_IDS_KEPT. */
function trim(ids: string[], shards: number): void {
  const keep = Math.max(1, Math.ceil(REMOVED_IDS_KEPT / shards));
  if (ids.length > keep) ids.splice(0, ids.length - keep);
}
