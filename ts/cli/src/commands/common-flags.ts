// Flags shared by the commands that talk to a running master.

import type { FlagSpec } from '../ui/args.js';

export const MASTER_FLAG: FlagSpec = {
  type: 'string',
  arg: 'HOST:PORT|zk://…',
  env: 'TESSERA_MASTER',
  default: '127.0.0.1:5050',
  help: "The master's gRPC address, or zk://host:port,…/path to use the leader ZooKeeper names",
};

export const MASTER_HTTP_FLAG: FlagSpec = {
  type: 'string',
  arg: 'HOST:PORT|zk://…',
  env: 'TESSERA_MASTER_HTTP',
  default: '127.0.0.1:5040',
  help: "The master's HTTP address (state, operator calls), or zk://host:port,…/path; a standby redirects to the leader",
};

export const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'Print JSON for scripts instead of a table.' };
