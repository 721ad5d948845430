// Sandbox files for /files/read, /files/browse and /files/download, confined
// to the sandbox: a path must be relative with no '..' segment, and after
// resolving symlinks (fs.realpath, which follows intermediate directories too)
// it must still lie inside the sandbox's real path. A file is then opened
// without following a final symlink and without blocking on a FIFO, and the
// opened descriptor's own path (/proc/self/fd) is checked again, so a task
// that swaps a file for a symlink between the check and the open gains nothing.

import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
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

/** A confined path: the sandbox's real root and the target's real path in it. */
export interface Confined {
  root: string;
  real: string;
}

/**
 * The sandbox's real root and the real path of `relative` inside it, or a
 * FilesError (403 when it escapes); `allowRoot` lets '' and '.' name the
 * sandbox itself (browsing its top).
 */
export async function confineIn(sandbox: string, relative: string, allowRoot = false): Promise<Confined> {
  if (allowRoot && (relative === '' || relative === '.')) relative = '.';
  else if (relative === '') throw new FilesError(400, 'path: is required');
  if (relative.includes('\0')) throw new FilesError(400, 'path: must not contain NUL');
  if (path.isAbsolute(relative)) throw new FilesError(403, `path: must be relative to the sandbox (got '${relative}')`);
  if (relative.split(/[/\\]/).includes('..')) throw new FilesError(403, `path: must not contain '..' (got '${relative}')`);
  let root: string;
  try {
    root = await realpath(sandbox);
  } catch {
    throw new FilesError(404, 'the sandbox no longer exists');
  }
  const inside = (real: string) => isInside(root, real);
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
  return { root, real };
}

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root + path.sep);
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

/** An open regular file of the sandbox and its size. */
export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens a confined file for reading: not through a final symlink
 * (O_NOFOLLOW), not blocking on a FIFO (O_NONBLOCK), a regular file only, and
 * still inside `root` as the kernel sees the opened descriptor.
 */
export async function openConfined({ root, real }: Confined): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new FilesError(403, 'path: became a symlink while being opened');
    if (code === 'ENOENT') throw new FilesError(404, 'path: does not exist in the sandbox');
    if (code === 'EACCES') throw new FilesError(403, 'path: the agent may not read it');
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FilesError(400, 'path: is not a regular file');
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
    if (!isInside(root, opened)) throw new FilesError(403, 'path: leads outside the sandbox');
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Reads up to `length` bytes from `offset` (-1: the size only). */
export async function readChunk(file: Confined, offset: number, length: number): Promise<FileChunk> {
  const { handle, size } = await openConfined(file);
  try {
    if (offset === -1) return { data: '', offset: size, size };
    const want = Math.max(0, Math.min(length, MAX_READ_BYTES, size - offset));
    if (want === 0) return { data: '', offset, size };
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buffer, 0, want, offset);
    const whole = completeUtf8(buffer.subarray(0, bytesRead));
    return { data: whole.toString('utf8'), offset, size };
  } finally {
    await handle.close();
  }
}

/** One entry of a sandbox directory listing. */
export interface DirEntry {
  /** Relative to the sandbox, '/'-separated. */
  path: string;
  size: number;
  /** As ls shows it: "drwxr-xr-x", "-rw-r--r--", "lrwxrwxrwx". */
  mode: string;
  mtime: string;
  isDir: boolean;
}

/**
 * The entries of a confined directory, by name. Symlinks are described as
 * links (lstat), never by what they point at, so nothing outside leaks.
 */
export async function listDir({ root, real }: Confined): Promise<DirEntry[]> {
  const info = await lstat(real);
  if (!info.isDirectory()) throw new FilesError(400, 'path: is not a directory');
  const names = (await readdir(real)).sort();
  const entries: DirEntry[] = [];
  for (const name of names) {
    const full = path.join(real, name);
    const entry = await lstat(full).catch(() => undefined); // gone since the listing
    if (!entry) continue;
    entries.push({
      path: path.relative(root, full).split(path.sep).join('/'),
      size: entry.size,
      mode: modeString(entry.mode),
      mtime: entry.mtime.toISOString(),
      isDir: entry.isDirectory(),
    });
  }
  return entries;
}

function modeString(mode: number): string {
  const type = (mode & constants.S_IFMT) === constants.S_IFDIR ? 'd' : (mode & constants.S_IFMT) === constants.S_IFLNK ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let perms = '';
  for (let i = 0; i < 9; i++) perms += mode & (0o400 >> i) ? bits[i] : '-';
  return type + perms;
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
