'use client';
// A run's cases, a page at a time: the candidate's and the baseline's outputs side by side, a "regressions only"
// filter and a search over inputs, expected answers and outputs (both done by the server, so paging stays right).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { Pager, rangeLabel, usePagedSearch } from '@/components/ui/pager';
import { Checkbox, Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { CaseRow } from './case-row';

const PAGE_SIZE = 20;

export function CaseTable({ service, number, candidateRelease, baselineRelease, live }: { service: string; number: number; candidateRelease: number; baselineRelease: number | null; live: boolean }) {
  const trpc = useTRPC();
  const [regressionsOnly, setRegressionsOnly] = useState(false);
  const { typed, setTyped, search, offset, setOffset } = usePagedSearch();
  const cases = useQuery(
    trpc.evals.runCases.queryOptions(
      { service, number, regressionsOnly, search: search || undefined, offset, limit: PAGE_SIZE },
      { placeholderData: keepPreviousData, refetchInterval: live ? 2000 : false },
    ),
  );
  const total = cases.data?.total ?? 0;
  const rows = cases.data?.cases ?? [];
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
          {rangeLabel(offset, PAGE_SIZE, cases.data?.total)}
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
      <Pager offset={offset} pageSize={PAGE_SIZE} total={total} onOffset={setOffset} />
    </Card>
  );
}
