// The fetcher: before a task (or a custom executor) starts, each of its
// CommandInfo.uris is put into the sandbox, in order — downloaded (http,
// https) or copied (a file on the agent), through the cache when the URI asks
// for it, unpacked when `extract` is set and the name is an archive, made
// executable (0755) when `executable` is set. Any failure is a FetchError
// naming the URI and the cause; nothing is launched after one.

import { constants } from 'node:fs';
import { chmod, chown, copyFile, lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import type { Logger, Uri } from '@tessera/common';

import { lookupUser, type PosixUser } from '../containerizer/users.js';
import { FetcherCache, type CacheLease } from './cache.js';
import { describe, download, type DownloadLimits } from './download.js';
import { FetchError } from './errors.js';
import { extract, zipTool } from './extract.js';
import { checkReadableBy } from './local-access.js';
import { archiveKind, outputName, uriSource } from './uri.js';

export interface FetcherOptions {
  /** The cache lives in <workDir>/cache. */
  workDir: string;
  /** Bound of the cache in bytes. */
  cacheBytes: number;
  limits: DownloadLimits;
  logger: Logger;
}

export class Fetcher {
  readonly cache: FetcherCache;

  constructor(private readonly options: FetcherOptions) {
    this.cache = new FetcherCache(path.join(options.workDir, 'cache'), options.cacheBytes, options.logger);
  }

  /** Empties the cache and says at start-up what cannot be unpacked here. */
  async start(): Promise<void> {
    await this.cache.start();
    if ((await zipTool()) === undefined) {
      this.options.logger.warn('fetcher: neither unzip nor python3 is installed; URIs asking to extract .zip archives will fail');
    }
  }

  /**
   * Fetches every URI into `sandbox` (which exists). When `user` is another
   * user than the agent's, what was fetched is handed to that user. `signal`
   * (a kill of the task) stops it between URIs and aborts a download; a
   * shared cached download goes on for the others, only this wait ends.
   */
  async fetch(uris: Uri[], sandbox: string, user?: string, signal?: AbortSignal): Promise<void> {
    const owner = otherUser(user);
    for (const uri of uris) {
      if (signal?.aborted) throw new FetchError(uri.value, ABORTED);
      try {
        await this.fetchOne(uri, sandbox, owner, signal);
      } catch (err) {
        // Whatever failed (a chmod, a full disk), the task hears FETCH_FAILED naming the URI.
        throw err instanceof FetchError ? err : new FetchError(uri.value, describe(err));
      }
    }
    if (owner && uris.length > 0) await handOver(uris[0]!.value, sandbox, owner);
  }

  private async fetchOne(uri: Uri, sandbox: string, owner: PosixUser | undefined, signal: AbortSignal | undefined): Promise<void> {
    const started = Date.now();
    const source = uriSource(uri.value);
    // Also before a cache hit: another task may have cached what this one may not read.
    if (source.kind === 'file' && owner) await checkReadableBy(uri.value, source.path, owner);
    const name = outputName(uri, source);
    const dest = path.join(sandbox, name);
    // Whatever an earlier URI's archive left under this name (a symlink to
    // /etc/passwd, say) goes first, so the write below cannot follow it out.
    await rm(dest, { force: true }).catch((err: Error) => {
      throw new FetchError(uri.value, `cannot replace '${name}' in the sandbox: ${err.message}`);
    });
    let fromCache = false;
    if (uri.cache) {
      const acquiring = this.cache.acquire(uri.value, (file) => download(uri.value, source, file, this.options.limits));
      const lease = await abortable(uri.value, acquiring, signal);
      try {
        await copyFile(lease.file, dest, constants.COPYFILE_EXCL);
        fromCache = lease.hit;
      } catch (err) {
        throw new FetchError(uri.value, `copying from the cache failed: ${(err as Error).message}`);
      } finally {
        lease.release();
      }
    } else {
      await download(uri.value, source, dest, this.options.limits, signal);
    }
    const kind = uri.extract ? archiveKind(name) : undefined;
    if (kind) await extract(uri.value, dest, kind, sandbox);
    if (uri.executable) await chmod(dest, 0o755);
    this.options.logger.info({ uri: uri.value, file: dest, extracted: !!kind, fromCache, ms: Date.now() - started }, 'fetched');
  }
}

/** The task's user when the agent is root and the task runs as someone else (not root), else undefined. */
function otherUser(user: string | undefined): PosixUser | undefined {
  if (!user || process.getuid?.() !== 0) return undefined;
  const entry = lookupUser(user);
  return entry && entry.uid !== 0 ? entry : undefined; // an unknown user fails at launch, with its own message
}

/** Files fetched as root for a task that runs as someone else become theirs (as Mesos chowns the sandbox). */
async function handOver(uri: string, sandbox: string, owner: PosixUser): Promise<void> {
  try {
    await chownTree(sandbox, owner.uid, owner.gid);
  } catch (err) {
    throw new FetchError(uri, `handing the fetched files to user '${owner.name}' failed: ${(err as Error).message}`);
  }
}

const ABORTED = 'aborted: the task was killed while its URIs were being fetched';

/** The lease, or a FetchError once `signal` fires (a lease that comes later is released at once). */
function abortable(uri: string, acquiring: Promise<CacheLease>, signal: AbortSignal | undefined): Promise<CacheLease> {
  if (!signal) return acquiring;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(new FetchError(uri, ABORTED));
      acquiring.then((lease) => lease.release(), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    acquiring.then(
      (lease) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) lease.release();
        else resolve(lease);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const name of await readdir(dir)) {
    const child = path.join(dir, name);
    const info = await lstat(child);
    if (info.isSymbolicLink()) continue; // chown would follow it out of the sandbox
    if (info.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}
