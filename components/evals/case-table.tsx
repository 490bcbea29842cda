'use client';
// A run's cases, a page at a time: the candidate's and the baseline's outputs side by side, a "regressions only"
// filter and a search over inputs, expected answers and outputs (both done by the server, so paging stays right).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Checkbox, Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { CaseRow } from './case-row';

const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 300;

export function CaseTable({ service, number, candidateRelease, baselineRelease, live }: { service: string; number: number; candidateRelease: number; baselineRelease: number | null; live: boolean }) {
  const trpc = useTRPC();
  const [regressionsOnly, setRegressionsOnly] = useState(false);
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
  const cases = useQuery(
    trpc.evals.runCases.queryOptions(
      { service, number, regressionsOnly, search: search || undefined, offset, limit: PAGE_SIZE },
      { placeholderData: keepPreviousData, refetchInterval: live ? 2000 : false },
    ),
  );
  const total = cases.data?.total ?? 0;
  const rows = cases.data?.cases ?? [];
  const last = Math.min(offset + PAGE_SIZE, total);
  return (
    <Card role="region" aria-label="Cases">
      <CardHeader title="Cases" description={baselineRelease !== null ? 'Candidate and baseline outputs side by side, with each assertion’s result and reason.' : 'The candidate’s outputs with each assertion’s result and reason.'} />
      <div className="flex flex-wrap items-center gap-x-6 gap-y-3 border-b border-border px-5 py-3">
        <Input type="search" aria-label="Search cases" placeholder="Search inputs, expected answers and outputs" value={typed} onChange={(e) => setTyped(e.target.value)} className="w-full sm:w-80" />
        {baselineRelease !== null ? (
          <Checkbox
            label="Regressions only"
            checked={regressionsOnly}
            onChange={(e) => {
              setRegressionsOnly(e.target.checked);
              setOffset(0);
            }}
          />
        ) : null}
        <span className="text-sm text-muted-fg tabular-nums sm:ml-auto" aria-live="polite">
          {cases.data ? (total ? `${offset + 1}–${last} of ${total}` : 'none') : ''}
        </span>
      </div>
      {cases.isLoading ? <Loading /> : null}
      <LoadError error={cases.error} />
      {cases.data && !rows.length ? <Empty>{regressionsOnly ? 'No case regressed.' : search ? 'No case matches the search.' : 'No case has a result yet.'}</Empty> : null}
      {rows.length ? (
        <ol aria-label="Case results" className="divide-y divide-border">
          {rows.map((row) => (
            <CaseRow key={row.caseIndex} row={row} candidateRelease={candidateRelease} baselineRelease={baselineRelease} />
          ))}
        </ol>
      ) : null}
      {total > PAGE_SIZE ? (
        <div className="flex items-center justify-between gap-2 border-t border-border px-5 py-3">
          <Button variant="secondary" size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Previous
          </Button>
          <span className="text-sm text-muted-fg tabular-nums">
            Page {Math.floor(offset / PAGE_SIZE) + 1} of {Math.ceil(total / PAGE_SIZE)}
          </span>
          <Button variant="secondary" size="sm" disabled={last >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            Next
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
