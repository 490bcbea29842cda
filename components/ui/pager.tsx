'use client';
// Paging a list the server searches: the search text as typed (applied after a pause, back to the first page),
// the range shown, and Previous / Next under the list (nothing when everything fits on one page).
import { useEffect, useState } from 'react';
import { Button } from './button';

const SEARCH_DELAY_MS = 300;

export function usePagedSearch() {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(typed.trim());
      setOffset(0);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [typed]);
  return { typed, setTyped, search, offset, setOffset };
}

/** `21–40 of 75`, `none`, or nothing before the first answer. */
export function rangeLabel(offset: number, pageSize: number, total: number | undefined): string {
  if (total === undefined) return '';
  return total ? `${offset + 1}–${Math.min(offset + pageSize, total)} of ${total}` : 'none';
}

export function Pager({ offset, pageSize, total, onOffset }: { offset: number; pageSize: number; total: number; onOffset: (offset: number) => void }) {
  if (total <= pageSize) return null;
  const last = Math.min(offset + pageSize, total);
  return (
    <div className="flex items-center justify-between gap-2 border-t border-border px-5 py-3">
      <Button variant="secondary" size="sm" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        Previous
      </Button>
      <span className="text-sm text-muted-fg tabular-nums">
        Page {Math.floor(offset / pageSize) + 1} of {Math.ceil(total / pageSize)}
      </span>
      <Button variant="secondary" size="sm" disabled={last >= total} onClick={() => onOffset(offset + pageSize)}>
        Next
      </Button>
    </div>
  );
}
