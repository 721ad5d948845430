// Serving the bundled web UI: GET / (index.html) and GET /assets/<file>.
//
// Files are read once, at the first request, from dist/public (written by
// build.mjs) into memory, gzipped when that helps: the UI is a few hundred KB,
// and a fixed set of names read up front means no request path ever reaches
// the file system (no traversal to guard against). Asset names carry a
// content hash, so they are cached for a year; index.html is revalidated
// (no-cache + ETag) so a new build is picked up on the next load.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** The UI's files by URL path ('/' and '/assets/…'), or why there are none. */
export interface WebuiAssets {
  files: Map<string, Asset>;
  /** Set when the bundle is missing (the package was not built). */
  missing?: string;
}

const DEFAULT_DIR = fileURLToPath(new URL('./public', import.meta.url));

function load(dir: string): WebuiAssets {
  const files = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) {
    return { files, missing: `the web UI is not built (no ${join(dir, 'index.html')}): run \`npm run build\`` };
  }
  const add = (urlPath: string, file: string, cacheControl: string): void => {
    const body = readFileSync(file);
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
    const asset: Asset = { body, type, etag, cacheControl };
    if (/^(text|application\/json|image\/svg)/.test(type) && body.length > 1024) {
      const gz = gzipSync(body, { level: 9 });
      if (gz.length < body.length) asset.gzip = gz;
    }
    files.set(urlPath, asset);
  };
  add('/', join(dir, 'index.html'), REVALIDATE);
  const assetsDir = join(dir, 'assets');
  if (existsSync(assetsDir)) {
    for (const name of readdirSync(assetsDir)) add(`/assets/${name}`, join(assetsDir, name), IMMUTABLE);
  }
  return { files, missing: undefined };
}

const cache = new Map<string, WebuiAssets>();

/** The UI's files from `dir` (default: this package's dist/public), read once. */
export function webuiAssets(dir = DEFAULT_DIR): WebuiAssets {
  let assets = cache.get(dir);
  if (!assets) {
    assets = load(dir);
    // A missing bundle is not cached: building while the master runs fixes it.
    if (!assets.missing) cache.set(dir, assets);
  }
  return assets;
}

/**
 * Answers `req` when it asks for the UI (GET or HEAD of `/`, `/index.html`
 * or `/assets/…`); false for any other request, which the caller handles.
 * Unknown names under /assets/ are a 404 here.
 */
export function serveWebui(req: IncomingMessage, res: ServerResponse, dir?: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let path = new URL(req.url ?? '/', 'http://ui').pathname;
  if (path === '/index.html') path = '/';
  if (path !== '/' && !path.startsWith('/assets/')) return false;
  const assets = webuiAssets(dir);
  if (assets.missing) {
    plain(res, 503, assets.missing);
    return true;
  }
  const asset = assets.files.get(path);
  if (!asset) {
    plain(res, 404, `no such asset: ${path}`);
    return true;
  }
  const headers: Record<string, string | number> = {
    'content-type': asset.type,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzip! : asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
