// @tessera/cli: the `tessera` command (bin/tessera.js loads ./main.js).
export { main } from './main.js';
