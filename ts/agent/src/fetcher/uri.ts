// What a CommandInfo.Uri names: where its bytes come from (http, https, or a
// file on the agent), the file name it gets in the sandbox, and whether that
// name is an archive the fetcher knows how to unpack.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Uri } from '@tessera/common';

import { FetchError } from './errors.js';

export type UriSource = { kind: 'http'; url: URL } | { kind: 'file'; path: string };

export type ArchiveKind = 'tar' | 'zip';

/** Where the bytes of `value` come from; a FetchError for anything else. */
export function uriSource(value: string): UriSource {
  if (value === '') throw new FetchError(value, 'uri.value: is empty');
  if (value.includes('\0')) throw new FetchError(value, 'uri.value: must not contain NUL');
  if (value.startsWith('/')) return { kind: 'file', path: path.normalize(value) };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FetchError(value, 'uri.value: must be an http(s) or file URL, or an absolute path on the agent');
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url };
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost') throw new FetchError(value, `uri.value: file URLs name this agent only (got host '${url.host}')`);
    return { kind: 'file', path: fileURLToPath(url) };
  }
  throw new FetchError(value, `uri.value: unsupported scheme '${url.protocol.slice(0, -1)}' (http, https, file or an absolute path)`);
}

/** The file's name in the sandbox: output_file, else the last path segment of the URI. */
export function outputName(uri: Uri, source: UriSource): string {
  if (uri.outputFile !== '') {
    if (!plainName(uri.outputFile)) {
      throw new FetchError(uri.value, `uri.output_file: must be a plain file name, without '/' or '..' (got '${uri.outputFile}')`);
    }
    return uri.outputFile;
  }
  const last = source.kind === 'file' ? path.basename(source.path) : lastSegment(source.url);
  // A decoded segment may hold '/' ("%2F"): it must still be one plain name.
  if (!plainName(last)) {
    throw new FetchError(uri.value, `uri.output_file: the URI gives no plain file name to use ('${last}'); set output_file`);
  }
  return last;
}

function plainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split('/').at(-1) ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The archive format a file name says, if any. */
export function archiveKind(name: string): ArchiveKind | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  const tarSuffixes = ['.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tbz', '.tar.xz', '.txz'];
  return tarSuffixes.some((suffix) => lower.endsWith(suffix)) ? 'tar' : undefined;
}
