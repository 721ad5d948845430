// Unpacking a fetched archive into the sandbox with well-kept tools: GNU tar
// for .tar and its compressed forms (it picks the decompressor itself), and
// `unzip` for .zip, else python3's zipfile module. tar runs with
// --no-same-owner so an archive cannot hand files to arbitrary users when the
// agent is root; both tools refuse members that climb out with '..' and,
// within one archive, members written through the archive's own symlinks.
// Across archives they do not: a first archive's `evil -> /etc` and a second
// one's `evil/x` would write /etc/x. So each archive is unpacked into a fresh
// staging directory and merged into the sandbox by renames that replace,
// never follow, whatever symlink is in the way.

import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import { FetchError } from './errors.js';
import type { ArchiveKind } from './uri.js';

export type ZipTool = 'unzip' | 'python3' | undefined;

let zipToolFound: Promise<ZipTool> | undefined;

/** Which program unpacks zip files here (looked up once). */
export function zipTool(): Promise<ZipTool> {
  zipToolFound ??= (async () => {
    if (await runs('unzip', ['-v'])) return 'unzip';
    if (await runs('python3', ['-c', 'import zipfile'])) return 'python3';
    return undefined;
  })();
  return zipToolFound;
}

/** Unpacks `archive` into `dir`; a FetchError naming `uri` and the tool's complaint when it cannot. */
export async function extract(uri: string, archive: string, kind: ArchiveKind, dir: string): Promise<void> {
  const staging = await mkdtemp(path.join(dir, '.extracting-'));
  try {
    await unpack(uri, archive, kind, staging);
    await mergeInto(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function unpack(uri: string, archive: string, kind: ArchiveKind, dir: string): Promise<void> {
  if (kind === 'tar') {
    await run(uri, 'tar', ['-x', '--no-same-owner', '-f', archive, '-C', dir]);
    return;
  }
  const tool = await zipTool();
  if (tool === 'unzip') await run(uri, 'unzip', ['-o', '-q', archive, '-d', dir]);
  else if (tool === 'python3') await run(uri, 'python3', ['-m', 'zipfile', '-e', archive, dir]);
  else throw new FetchError(uri, 'cannot extract a zip archive: neither unzip nor python3 is installed on this agent');
}

/**
 * Moves everything in `from` into `to`: a directory meeting a real directory
 * is merged into it; anything else replaces what is there (a symlink is
 * removed, not followed).
 */
async function mergeInto(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    const source = path.join(from, name);
    const target = path.join(to, name);
    const [sourceInfo, targetInfo] = await Promise.all([lstat(source), lstat(target).catch(() => undefined)]);
    if (targetInfo?.isDirectory() && sourceInfo.isDirectory()) {
      await mergeInto(source, target);
      continue;
    }
    if (targetInfo) await rm(target, { recursive: true, force: true });
    await rename(source, target);
  }
}

function run(uri: string, program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const said = stderr.trim().split('\n').slice(-3).join('; ');
      reject(new FetchError(uri, `bad archive: ${program} ${err.code === 'ENOENT' ? 'is not installed' : `failed${said ? `: ${said}` : ` (${err.message})`}`}`));
    });
  });
}

function runs(program: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(program, args, (err) => resolve(!err)));
}
