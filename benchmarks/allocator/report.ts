// Result rows, the printed table and the JSON file. Every workload returns Rows;
// run.ts and gate.ts only print and judge them.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Stats } from './stats.js';

export interface Target {
  op: '<=' | '>=';
  value: number;
  /** As printed, e.g. `≤ 5 ms`. */
  text: string;
}

export interface Row {
  /** Stable key, e.g. `w1.10k-1k.allocate`: the gate's budgets and floors are keyed by it. */
  id: string;
  workload: string;
  size: string;
  /** Native timing samples summarized (ms). */
  native?: Stats;
  /** Reference timing on `ratioSlice`, the same work as the native samples the ratio uses. */
  reference?: Stats;
  /** Reference median ÷ native median on identical work (`ratioSlice`). */
  ratio?: number;
  ratioSlice?: string;
  /** Why there is no reference figure. */
  referenceNote?: string;
  /** Cell overrides (e.g. a rate next to the median). */
  cells?: { median?: string; p99?: string };
  memory?: string;
  target?: Target;
  /** What the target is compared with; default the native median (ms). */
  targetValue?: number;
  notes?: string[];
  details?: Record<string, unknown>;
  /** The median straddles two populations (W1 busy and idle rounds): shown, but not a budget. */
  bimodal?: boolean;
}

export function ms(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  if (x >= 1) return `${x.toFixed(2)} ms`;
  return `${x.toFixed(3)} ms`;
}

export function bytes(x: number): string {
  if (x >= 1024 * 1024) return `${(x / 1024 / 1024).toFixed(1)} MiB`;
  if (x >= 1024) return `${(x / 1024).toFixed(1)} KiB`;
  return `${Math.round(x)} B`;
}

export function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function ratioText(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;
}

export type Verdict = 'pass' | 'miss' | '';

export function verdict(row: Row): Verdict {
  if (!row.target) return '';
  const v = row.targetValue ?? row.native?.median;
  if (v === undefined || !Number.isFinite(v)) return 'miss';
  return (row.target.op === '<=' ? v <= row.target.value : v >= row.target.value) ? 'pass' : 'miss';
}

function resultCell(row: Row): string {
  const v = verdict(row);
  if (v !== 'miss' || !row.target) return v;
  const value = row.targetValue ?? row.native?.median ?? NaN;
  const gap = row.target.op === '<=' ? value / row.target.value : row.target.value / value;
  return Number.isFinite(gap) ? `miss (${gap.toFixed(1)}× off)` : 'miss';
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['workload', 'size', 'median', 'p99', 'ref/native', 'memory', 'target', 'result'];
  const notes: string[] = [];
  const body = rows.map((row) => {
    const mark: string[] = [];
    const rowNotes = [
      ...(row.ratioSlice && row.ratio !== undefined ? [`ratio on ${row.ratioSlice}`] : []),
      ...(row.referenceNote ? [`reference: ${row.referenceNote}`] : []),
      ...(row.notes ?? []),
    ];
    for (const note of rowNotes) {
      // The same note on several rows (a shared ratio slice) is printed once.
      let at = notes.indexOf(note);
      if (at < 0) at = notes.push(note) - 1;
      mark.push(String(at + 1));
    }
    return [
      row.workload + (mark.length ? ` [${mark.join(',')}]` : ''),
      row.size,
      row.cells?.median ?? ms(row.native?.median),
      row.cells?.p99 ?? ms(row.native?.p99),
      ratioText(row.ratio),
      row.memory ?? '',
      row.target?.text ?? '',
      resultCell(row),
    ];
  });
  return renderTable(header, body, notes);
}

/** Columns padded to their widest cell, a rule under the header, and the
 *  numbered notes the rows' [n] marks refer to. */
export function renderTable(header: readonly string[], body: readonly string[][], notes: readonly string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (notes.length) out.push('', ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return out.join('\n');
}

export interface Environment {
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  gcExposed: boolean;
  /** What was measured: the commit, and whether the allocator sources differ from it. */
  commit: string;
  uncommittedAllocatorChanges: string[];
  /** The addon binary actually loaded (others may rebuild it between runs). */
  addon: { file: string; sha256: string; modified: string } | null;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The addon binary: the one napi-rs loads instead, when NAPI_RS_NATIVE_LIBRARY_PATH names one. */
function addon(): Environment['addon'] {
  const dir = path.join(ROOT, 'native', 'allocator');
  const override = process.env['NAPI_RS_NATIVE_LIBRARY_PATH'];
  const file = override ? undefined : readdirSync(dir).find((f) => f.endsWith('.node'));
  if (!override && !file) return null;
  const full = override ? path.resolve(override) : path.join(dir, file!);
  return {
    file: path.relative(ROOT, full),
    sha256: createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16),
    modified: statSync(full).mtime.toISOString(),
  };
}

export function environment(gcExposed: boolean): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    gcExposed,
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedAllocatorChanges: git('status', '--porcelain', '--', 'native/allocator', 'ts/allocator-reference').split('\n').filter(Boolean),
    addon: addon(),
  };
}

/**
 * A warning when the addon binary on disk is not the one this process loaded
 * (`env` is taken at start; others may rebuild the addon during a long run).
 */
export function addonChanged(env: Environment): string | undefined {
  const now = addon();
  if (!env.addon || !now || now.sha256 === env.addon.sha256) return undefined;
  return `note: ${now.file} was rebuilt during this run (now ${now.sha256}, ${now.modified}); the numbers are for the build loaded at start, ${env.addon.sha256}`;
}

/** One line saying on what and against which build the numbers were taken. */
export function describe(env: Environment): string {
  const dirty = env.uncommittedAllocatorChanges.length ? ` + ${env.uncommittedAllocatorChanges.length} uncommitted allocator files` : '';
  const bin = env.addon ? `, addon ${env.addon.sha256} built ${env.addon.modified}` : '';
  return `${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, node ${env.node}; commit ${env.commit}${dirty}${bin}`;
}

/** Writes `bench-results/<kind>-<timestamp>.json` at the repository root; returns its path. */
export function writeJson(kind: string, payload: Record<string, unknown>): string {
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${kind}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(payload, null, 2) + '\n');
  return file;
}
