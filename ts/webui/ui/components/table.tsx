// A table that stays fast at 100,000 rows: it renders one page of rows, and
// sorting happens only when the sort key or the rows change (memoized), never
// per render. Filtering is the caller's (each page knows its own filters).

import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
  /** Sort key; columns without one are not sortable. */
  sort?: (row: T) => string | number;
  className?: string;
}

export interface TableProps<T> {
  rows: readonly T[];
  columns: Array<Column<T>>;
  rowKey: (row: T) => string;
  pageSize?: number;
  /** Controlled page index (e.g. kept in the URL); internal state otherwise. */
  page?: number;
  onPage?: (page: number) => void;
  empty?: string;
  testId?: string;
}

export function Table<T>(props: TableProps<T>) {
  const { rows, columns, rowKey, pageSize = 50, empty = 'Nothing here.' } = props;
  const [ownPage, setOwnPage] = useState(0);
  const [sortBy, setSortBy] = useState<{ col: number; desc: boolean } | undefined>(undefined);
  const sorted = useMemo(() => {
    if (!sortBy) return rows;
    const key = columns[sortBy.col]?.sort;
    if (!key) return rows;
    const keyed = rows.map((r) => [key(r), r] as const);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) * (sortBy.desc ? -1 : 1));
    return keyed.map(([, r]) => r);
  }, [rows, sortBy, columns]);
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const page = Math.min(props.page ?? ownPage, pages - 1);
  const setPage = (p: number): void => (props.onPage ? props.onPage(p) : setOwnPage(p));
  const shown = sorted.slice(page * pageSize, (page + 1) * pageSize);

  return (
    <div class="table-wrap" data-testid={props.testId}>
      <table>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th
                class={`${c.className ?? ''} ${c.sort ? 'sortable' : ''}`}
                onClick={c.sort ? () => setSortBy(sortBy?.col === i ? { col: i, desc: !sortBy.desc } : { col: i, desc: false }) : undefined}
              >
                {c.title}
                {sortBy?.col === i ? (sortBy.desc ? ' ▾' : ' ▴') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td class="empty" colSpan={columns.length}>
                {empty}
              </td>
            </tr>
          ) : (
            shown.map((row) => (
              <tr key={rowKey(row)} data-key={rowKey(row)}>
                {columns.map((c) => (
                  <td class={c.className}>{c.cell(row)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
      {sorted.length > pageSize && (
        <div class="pager">
          <button disabled={page === 0} onClick={() => setPage(0)} aria-label="first page">
            «
          </button>
          <button disabled={page === 0} onClick={() => setPage(page - 1)} aria-label="previous page">
            ‹
          </button>
          <span class="pager-pos">
            {(page * pageSize + 1).toLocaleString('en-US')}–{Math.min(sorted.length, (page + 1) * pageSize).toLocaleString('en-US')} of{' '}
            {sorted.length.toLocaleString('en-US')}
          </span>
          <button disabled={page >= pages - 1} onClick={() => setPage(page + 1)} aria-label="next page">
            ›
          </button>
          <button disabled={page >= pages - 1} onClick={() => setPage(pages - 1)} aria-label="last page">
            »
          </button>
        </div>
      )}
    </div>
  );
}
