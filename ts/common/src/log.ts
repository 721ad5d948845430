// Structured logs for every Tessera daemon: one JSON object per line (pino),
// with `component` naming the daemon part that speaks. Operators grep or ship
// them; `TESSERA_LOG_LEVEL` (trace, debug, info, warn, error, silent) sets how
// much is written. Tests and `tessera dev` pass a destination file instead of
// stdout so several daemons in one process do not interleave on the terminal.

import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Minimum level; default $TESSERA_LOG_LEVEL or 'info'. */
  level?: string;
  /** Where lines go: a path (appended to) or a stream; default stdout. */
  destination?: string | DestinationStream;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** A logger whose lines carry `component` (e.g. "master", "agent"). */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.TESSERA_LOG_LEVEL ?? 'info';
  if (!LEVELS.has(level)) {
    throw new TypeError(`log level: '${level}' is not one of ${[...LEVELS].join(', ')}`);
  }
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ dest: options.destination, mkdir: true, sync: false })
      : options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { component, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

/** A logger that writes nothing (unit tests, embedded use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
