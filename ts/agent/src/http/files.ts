// Reading a file of a sandbox for /files/read, confined to the sandbox: the
// path must be relative with no '..' segment, and after resolving symlinks
// (fs.realpath) it must still lie inside the sandbox's real path.

import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Most bytes one read returns. */
export const MAX_READ_BYTES = 1024 * 1024;

export class FilesError extends Error {
  constructor(
    readonly httpStatus: 400 | 403 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'FilesError';
  }
}

export interface FileChunk {
  data: string;
  offset: number;
  size: number;
}

/** The real path of `relative` inside `sandbox`, or a FilesError (403 when it escapes). */
export async function confine(sandbox: string, relative: string): Promise<string> {
  if (relative === '') throw new FilesError(400, 'path: is required');
  if (relative.includes('\0')) throw new FilesError(400, 'path: must not contain NUL');
  if (path.isAbsolute(relative)) throw new FilesError(403, `path: must be relative to the sandbox (got '${relative}')`);
  if (relative.split(/[/\\]/).includes('..')) throw new FilesError(403, `path: must not contain '..' (got '${relative}')`);
  let root: string;
  try {
    root = await realpath(sandbox);
  } catch {
    throw new FilesError(404, 'the sandbox no longer exists');
  }
  const inside = (real: string) => real === root || real.startsWith(root + path.sep);
  let real: string;
  try {
    real = await realpath(path.join(root, relative));
  } catch {
    // Missing: say 404 only if the part that exists is inside, so nothing
    // outside the sandbox can be probed for existence through a symlink.
    if (!inside(await deepestExisting(path.join(root, relative), root))) {
      throw new FilesError(403, `path: '${relative}' leads outside the sandbox`);
    }
    throw new FilesError(404, `path: '${relative}' does not exist in the sandbox`);
  }
  if (!inside(real)) throw new FilesError(403, `path: '${relative}' leads outside the sandbox`);
  return real;
}

/** The real path of the nearest ancestor of `target` that exists. */
async function deepestExisting(target: string, root: string): Promise<string> {
  for (let dir = path.dirname(target); dir.length >= root.length; dir = path.dirname(dir)) {
    try {
      return await realpath(dir);
    } catch {
      // Keep walking up.
    }
  }
  return root;
}

/** Reads up to `length` bytes from `offset` (-1: the size only). */
export async function readChunk(file: string, offset: number, length: number): Promise<FileChunk> {
  const info = await stat(file);
  if (!info.isFile()) throw new FilesError(400, 'path: is not a regular file');
  const size = info.size;
  if (offset === -1) return { data: '', offset: size, size };
  const want = Math.max(0, Math.min(length, MAX_READ_BYTES, size - offset));
  if (want === 0) return { data: '', offset, size };
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buffer, 0, want, offset);
    const whole = completeUtf8(buffer.subarray(0, bytesRead));
    return { data: whole.toString('utf8'), offset, size };
  } finally {
    await handle.close();
  }
}

/**
 * The bytes without a UTF-8 sequence cut off at the end, so a reader that
 * advances its offset by the data's UTF-8 length stays on character
 * boundaries (the cut character comes whole with the next read).
 */
function completeUtf8(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** A non-negative integer query parameter (or -1 where allowed). */
export function intParam(name: string, raw: string | null, fallback: number, min: number): number {
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new FilesError(400, `${name}: must be an integer (got '${raw}')`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new FilesError(400, `${name}: must be at least ${min} (got ${raw})`);
  return value;
}
