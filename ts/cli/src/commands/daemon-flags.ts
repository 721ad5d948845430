// Flags of the long-running commands (master, agent, dev) and the signal
// handling they share: SIGINT/SIGTERM stop the daemon cleanly, a second
// signal exits at once.

import type { FlagSpec } from '../ui/args.js';

export const LOG_LEVEL_FLAG: FlagSpec = {
  type: 'string',
  arg: 'LEVEL',
  env: 'TESSERA_LOG_LEVEL',
  default: 'info',
  help: 'Log level: trace, debug, info, warn, error, silent',
};

export const HOST_FLAG: FlagSpec = {
  type: 'string',
  arg: 'HOST',
  env: 'TESSERA_HOST',
  default: '127.0.0.1',
  help: 'Address to listen on (0.0.0.0 for every interface)',
};

/** Resolves when the process is asked to stop; a second signal exits at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (signal: NodeJS.Signals): void => {
      if (seen) process.exit(130);
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
