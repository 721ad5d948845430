// Flag parsing for every subcommand: node's parseArgs, plus what it lacks —
// environment-variable fallbacks (TESSERA_MASTER for --master, ...), typed
// number/duration checks with messages naming the flag, and --help text built
// from the same table that drives parsing, so the two cannot drift.

import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Environment variable read when the flag is absent. */
  env?: string;
  default?: string | boolean;
  /** Argument name shown in help, e.g. 'HOST:PORT'. */
  arg?: string;
  help: string;
}

export type FlagTable = Record<string, FlagSpec>;

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  flags: FlagTable;
  /** Extra help paragraphs (examples). */
  details?: string;
  /** Whether positional arguments are allowed (after `--` or bare). */
  positionals?: boolean;
}

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', help: 'Show this help.' };

/** Parses argv against the command's flags; throws UsageError on anything wrong. */
export function parseFlags(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries({ ...spec.flags, help: HELP_FLAG })) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${spec.name}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
  if (!spec.positionals && parsed.positionals.length > 0 && !parsed.values.help) {
    throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[0]}'`);
  }
  const values: ParsedFlags['values'] = { ...(parsed.values as ParsedFlags['values']) };
  for (const [name, f] of Object.entries(spec.flags)) {
    if (values[name] !== undefined) continue;
    const fromEnv = f.env ? env[f.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values[name] = f.type === 'boolean' ? !/^(0|false|no)$/i.test(fromEnv) : fromEnv;
    } else if (f.default !== undefined) {
      values[name] = f.default;
    }
  }
  return { values, positionals: parsed.positionals };
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: ParsedFlags, name: string): string[] {
  const v = flags.values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

export function bool(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

/** A number flag within [min, max]; `integer` refuses fractions. */
export function num(
  flags: ParsedFlags,
  name: string,
  limits: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const text = str(flags, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const { min = -Infinity, max = Infinity, integer = false } = limits;
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name}: '${text}' is not a number`);
  if (integer && !Number.isInteger(value)) throw new UsageError(`--${name}: '${text}' is not a whole number`);
  if (value < min || value > max) {
    throw new UsageError(`--${name}: ${text} is out of range [${min}, ${max}]`);
  }
  return value;
}

/** A "host:port" flag; port 0..65535. */
export function address(flags: ParsedFlags, name: string): string {
  const text = str(flags, name);
  if (text === undefined) throw new UsageError(`--${name} is required`);
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--${name}: '${text}' is not HOST:PORT`);
  return text;
}

/** The --help text of a command. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.flags, help: HELP_FLAG }).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : ''}`;
    const extras = [
      f.multiple ? 'repeatable' : '',
      f.env ? `env ${f.env}` : '',
      f.default !== undefined && f.default !== false ? `default ${String(f.default)}` : '',
    ].filter(Boolean);
    return [left, `${f.help}${extras.length ? ` (${extras.join('; ')})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Options:'];
  for (const [l, r] of rows) lines.push(`  ${l.padEnd(width)}${r}`);
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n');
}
