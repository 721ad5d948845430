// The e2e table: one row per figure, with its p50/p99 when it is a
// distribution, the target and the verdict. Units and environment helpers come
// from the allocator benchmarks' report.ts; the table differs because these
// rows are rates, latencies and memory, not per-call timings.

import { renderTable, type Target } from '../allocator/report.js';

export type { Target };

export interface E2eRow {
  /** Stable key, e.g. `launch.launches-per-second`. */
  id: string;
  scenario: string;
  metric: string;
  value: string;
  p50?: string;
  p99?: string;
  max?: string;
  target?: Target;
  /** What the target is compared with (in the target's unit). */
  targetValue?: number;
  notes?: string[];
  details?: Record<string, unknown>;
}

export type Verdict = 'pass' | 'miss' | '';

export function verdict(row: E2eRow): Verdict {
  if (!row.target) return '';
  const v = row.targetValue;
  if (v === undefined || !Number.isFinite(v)) return 'miss';
  return (row.target.op === '<=' ? v <= row.target.value : v >= row.target.value) ? 'pass' : 'miss';
}

function resultCell(row: E2eRow): string {
  const v = verdict(row);
  if (v !== 'miss' || !row.target || row.targetValue === undefined) return v;
  const gap = row.target.op === '<=' ? row.targetValue / row.target.value : row.target.value / row.targetValue;
  return Number.isFinite(gap) && gap > 0 ? `miss (${gap.toFixed(1)}× off)` : 'miss';
}

export function formatTable(rows: readonly E2eRow[]): string {
  const header = ['scenario', 'metric', 'value', 'p50', 'p99', 'max', 'target', 'result'];
  const notes: string[] = [];
  const body = rows.map((row) => {
    const marks = (row.notes ?? []).map((note) => {
      let at = notes.indexOf(note);
      if (at < 0) at = notes.push(note) - 1;
      return String(at + 1);
    });
    return [
      row.scenario,
      row.metric + (marks.length ? ` [${marks.join(',')}]` : ''),
      row.value,
      row.p50 ?? '',
      row.p99 ?? '',
      row.max ?? '',
      row.target?.text ?? '',
      resultCell(row),
    ];
  });
  return renderTable(header, body, notes);
}
