// Paging controls for lists the master pages (offset/limit), e.g. tasks.

export function Pager({ total, offset, limit, onOffset }: { total: number; offset: number; limit: number; onOffset: (offset: number) => void }) {
  if (total <= limit && offset === 0) return null;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const n = (v: number) => v.toLocaleString('en-US');
  return (
    <div class="pager">
      <button disabled={offset === 0} onClick={() => onOffset(0)} aria-label="first page">
        «
      </button>
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))} aria-label="previous page">
        ‹
      </button>
      <span class="pager-pos" data-testid="pager-pos">
        {total === 0 ? '0' : `${n(offset + 1)}–${n(Math.min(total, offset + limit))}`} of {n(total)}
      </span>
      <button disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)} aria-label="next page">
        ›
      </button>
      <button disabled={offset >= last} onClick={() => onOffset(last)} aria-label="last page">
        »
      </button>
    </div>
  );
}
