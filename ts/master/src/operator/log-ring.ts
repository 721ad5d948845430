// The tail of the master's own log for GET /api/v1/logs: the logger's
// destination is teed into a ring of the last lines written. pino writes
// every line (of this logger and its children) to the stream under its
// 'pino.stream' symbol, so wrapping that one stream catches them all without
// a second logger or a change to how the master's logger is made. Only lines
// at or above the logger's level exist to keep.

import type { Logger } from '@tessera/common';

import { RawReply } from './reply.js';
import { enumParam, intParam, onlyParams } from './validate.js';

export const LOG_LINES_KEPT = 2000;
/** A longer line is cut (an error with a huge stack should not push everything else out). */
const MAX_LINE_CHARS = 16 * 1024;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const LEVEL_VALUE: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

interface WritableLike {
  write(line: string): unknown;
}

export class LogRing {
  readonly #lines: string[] = new Array<string>(LOG_LINES_KEPT);
  #next = 0;
  #size = 0;
  /** False when the logger's stream could not be found (the ring stays empty). */
  readonly teed: boolean;

  constructor(log: Logger) {
    this.teed = this.#tee(log);
  }

  #tee(log: Logger): boolean {
    // A child logger inherits the stream from its parent (prototype chain); the
    // tee is set on this logger itself, for it and the children made from it.
    let sym: symbol | undefined;
    for (let o: object | null = log; o !== null && sym === undefined; o = Object.getPrototypeOf(o) as object | null) {
      sym = Object.getOwnPropertySymbols(o).find((s) => s.description === 'pino.stream');
    }
    if (sym === undefined) return false;
    const holder = log as unknown as Record<symbol, WritableLike | undefined>;
    const inner = holder[sym];
    if (!inner || typeof inner.write !== 'function') return false;
    const push = (line: string) => this.push(line);
    // A proxy, not a wrapper object: the destination (SonicBoom) keeps its own
    // state on itself, so every other property and method must reach it as is.
    holder[sym] = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'write') {
          return (line: string) => {
            push(line);
            return target.write(line);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return true;
  }

  push(line: string): void {
    const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.#lines[this.#next] = trimmed.length > MAX_LINE_CHARS ? trimmed.slice(0, MAX_LINE_CHARS) : trimmed;
    this.#next = (this.#next + 1) % LOG_LINES_KEPT;
    if (this.#size < LOG_LINES_KEPT) this.#size++;
  }

  /** The newest `limit` lines, oldest first. */
  tail(limit: number): string[] {
    const n = Math.min(limit, this.#size);
    const out: string[] = [];
    for (let i = n; i > 0; i--) out.push(this.#lines[(this.#next - i + LOG_LINES_KEPT) % LOG_LINES_KEPT]!);
    return out;
  }
}

function levelOf(line: string): number {
  const match = /"level":(?:"(\w+)"|(\d+))/.exec(line);
  if (!match) return 0;
  return match[1] !== undefined ? (LEVEL_VALUE[match[1]] ?? 0) : Number(match[2]);
}

/** GET /api/v1/logs?limit=&level=&format= */
export function logs(ring: LogRing, params: URLSearchParams): { lines: unknown[] } | RawReply {
  onlyParams(params, ['limit', 'level', 'format']);
  const limit = intParam(params, 'limit', 200, 1, LOG_LINES_KEPT);
  const level = enumParam(params, 'level', LEVELS);
  const format = enumParam(params, 'format', ['json', 'text'] as const) ?? 'json';
  // With a level, filter the whole ring first so `limit` counts matching lines.
  let lines = level === undefined ? ring.tail(limit) : ring.tail(LOG_LINES_KEPT).filter((l) => levelOf(l) >= LEVEL_VALUE[level]!).slice(-limit);
  if (format === 'text') {
    return new RawReply('application/x-ndjson', lines.length > 0 ? `${lines.join('\n')}\n` : '', {
      'content-disposition': 'attachment; filename="tessera-master.log"',
    });
  }
  lines = lines.filter((l) => l.length > 0);
  return {
    lines: lines.map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return { msg: l }; // a line cut at MAX_LINE_CHARS is no longer JSON
      }
    }),
  };
}
