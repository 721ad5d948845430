// Getting a URI's bytes into one local file: http(s) through node's fetch
// (redirects followed), a file on the agent by copying. Both are bounded in
// size; a download that stalls (no bytes for stallTimeoutMs) is aborted. The
// bytes land in `<dest>.part` and are renamed into place only when complete,
// so a half-written file is never mistaken for the real one.

import { constants, createWriteStream } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { FetchError } from './errors.js';
import type { UriSource } from './uri.js';

export interface DownloadLimits {
  /** Abort when no byte arrives for this long. */
  stallTimeoutMs: number;
  /** Refuse anything larger. */
  maxBytes: number;
}

/** Writes the source's bytes to `dest`; returns their count. Throws FetchError naming `uri`. */
export async function download(uri: string, source: UriSource, dest: string, limits: DownloadLimits, signal?: AbortSignal): Promise<number> {
  const part = `${dest}.part`;
  try {
    await rm(part, { force: true }); // written exclusively below: never through a planted symlink
    const size = source.kind === 'file' ? await copyLocal(uri, source.path, part, limits) : await fetchHttp(uri, source.url, part, limits, signal);
    await rename(part, dest);
    return size;
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof FetchError) throw err;
    throw new FetchError(uri, describe(err));
  }
}

async function copyLocal(uri: string, file: string, dest: string, limits: DownloadLimits): Promise<number> {
  const info = await stat(file); // ENOENT etc. surface through describe()
  if (!info.isFile()) throw new FetchError(uri, `'${file}' is not a regular file`);
  if (info.size > limits.maxBytes) throw new FetchError(uri, tooLarge(info.size, limits.maxBytes));
  await copyFile(file, dest, constants.COPYFILE_EXCL);
  return info.size;
}

async function fetchHttp(uri: string, url: URL, dest: string, limits: DownloadLimits, signal?: AbortSignal): Promise<number> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) abort.abort();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      abort.abort();
    }, limits.stallTimeoutMs);
  };
  arm();
  try {
    const res = await fetch(url, { signal: abort.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel();
      throw new FetchError(uri, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body?.cancel();
      throw new FetchError(uri, tooLarge(declared, limits.maxBytes));
    }
    if (!res.body) throw new FetchError(uri, 'the response has no body');
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        arm();
        if (received > limits.maxBytes) done(new FetchError(uri, tooLarge(received, limits.maxBytes)));
        else done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(dest, { flags: 'wx' }));
    return received;
  } catch (err) {
    if (stalled) throw new FetchError(uri, `no data for ${limits.stallTimeoutMs} ms (stalled download aborted)`);
    if (signal?.aborted) throw new FetchError(uri, 'aborted: the task was killed while its URIs were being fetched');
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function tooLarge(size: number, max: number): string {
  return `larger than the fetcher's bound (${size} > ${max} bytes)`;
}

/** A cause a human can act on: the errno code and message, or fetch's underlying cause. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (err.name === 'TypeError' && cause instanceof Error) return `${err.message}: ${cause.message}`;
  return err.message;
}
