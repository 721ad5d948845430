// @tessera/webui: the operator web UI. The browser app lives in ui/ and is
// bundled by build.mjs into dist/public; this entry point is what a server
// imports to serve those files.

export { serveWebui, webuiAssets, type WebuiAssets } from './serve.js';
