// Flags shared by the commands that talk to a running master.

import type { FlagSpec } from '../ui/args.js';

export const MASTER_FLAG: FlagSpec = {
  type: 'string',
  arg: 'HOST:PORT',
  env: 'TESSERA_MASTER',
  default: '127.0.0.1:5050',
  help: "The master's gRPC address",
};

export const MASTER_HTTP_FLAG: FlagSpec = {
  type: 'string',
  arg: 'HOST:PORT',
  env: 'TESSERA_MASTER_HTTP',
  default: '127.0.0.1:5040',
  help: "The master's HTTP address (state, operator calls)",
};

export const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'Print JSON for scripts instead of a table.' };
