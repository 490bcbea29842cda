'use client';
// A data-quality run's results: each expectation with the rows it applied to, the rows that broke it and what
// `mostly` tolerates; then the failing rows with the rules they broke, filtered by rule, by source and by text.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { CheckResult } from '@/db/schema';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/form';
import { Pager, rangeLabel, usePagedSearch } from '@/components/ui/pager';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { pct } from './status';

const PAGE_SIZE = 25;

/** What the check's figures mean depends on its kind: a tag's share, a count of samples, or rows breaking a rule. */
function figures(c: CheckResult): { measured: string; limit: string } {
  if (c.kind === 'tag-share') return { measured: `${pct(c.candidateRate)} tagged (${c.failed} of ${c.applicable})`, limit: `bound ${pct(c.threshold)}` };
  if (c.kind === 'samples') return { measured: `${c.applicable} kept`, limit: `at least ${c.threshold}` };
  return { measured: c.applicable ? `${c.failed} of ${c.applicable} (${pct(c.candidateRate)})` : 'no rows', limit: c.threshold > 0 ? `up to ${pct(c.threshold)}` : 'none' };
}

export function DataQualityChecks({ checks, onPick }: { checks: CheckResult[]; onPick?: (name: string) => void }) {
  return (
    <Card role="region" aria-label="Checks">
      <CardHeader title="Checks" description="Each expectation over the rows it applies to; a check passes when the rows breaking it stay within what mostly tolerates." />
      <div className="overflow-x-auto">
        <Table aria-label="Data-quality checks">
          <THead>
            <TR>
              <TH>Check</TH>
              <TH>Result</TH>
              <TH className="text-right">Breaking</TH>
              <TH className="text-right">Tolerated</TH>
              <TH className="min-w-72">Reason</TH>
            </TR>
          </THead>
          <TBody>
            {checks.map((c) => {
              const f = figures(c);
              const rowRule = c.kind !== 'tag-share' && c.kind !== 'samples' && c.failed > 0;
              return (
                <TR key={c.name}>
                  <TD className="font-medium">
                    {rowRule && onPick ? (
                      <button type="button" className="text-left text-primary hover:underline" onClick={() => onPick(c.name)} aria-label={`Show rows breaking ${c.name}`}>
                        {c.name}
                      </button>
                    ) : (
                      c.name
                    )}
                  </TD>
                  <TD>
                    <Badge tone={c.passed ? 'success' : 'danger'}>{c.passed ? 'passed' : 'failed'}</Badge>
                  </TD>
                  <TD className="text-right tabular-nums whitespace-nowrap">{f.measured}</TD>
                  <TD className="text-right tabular-nums whitespace-nowrap text-muted-fg">{f.limit}</TD>
                  <TD className="text-sm text-muted-fg">{c.reason}</TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      </div>
    </Card>
  );
}

export function FailingRows({ service, number, checks, check, onCheck }: { service: string; number: number; checks: CheckResult[]; check: string; onCheck: (name: string) => void }) {
  const trpc = useTRPC();
  const [source, setSource] = useState<'' | 'dataset' | 'samples'>('');
  const { typed, setTyped, search, offset, setOffset } = usePagedSearch();
  useEffect(() => setOffset(0), [check, source, setOffset]);
  const rows = useQuery(trpc.evals.dataQualityRows.queryOptions({ service, number, check: check || undefined, source: source || undefined, search: search || undefined, offset, limit: PAGE_SIZE }, { placeholderData: keepPreviousData }));
  const total = rows.data?.total ?? 0;
  const ruleChecks = checks.filter((c) => c.kind !== 'tag-share' && c.kind !== 'samples');
  return (
    <Card role="region" aria-label="Failing rows">
      <CardHeader title="Failing rows" description="Rows that broke at least one rule, with each rule and why." />
      <div className="flex flex-wrap items-center gap-x-4 gap-y-3 border-b border-border px-5 py-3">
        <Select aria-label="Rule" value={check} onChange={(e) => onCheck(e.target.value)} className="w-full sm:w-72">
          <option value="">Every rule</option>
          {ruleChecks.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.failed})
            </option>
          ))}
        </Select>
        <Select aria-label="Source" value={source} onChange={(e) => setSource(e.target.value as typeof source)} className="w-full sm:w-40">
          <option value="">Every source</option>
          <option value="dataset">Dataset</option>
          <option value="samples">Samples</option>
        </Select>
        <Input type="search" aria-label="Search rows" placeholder="Search rows and reasons" value={typed} onChange={(e) => setTyped(e.target.value)} className="w-full sm:w-64" />
        <span className="text-sm text-muted-fg tabular-nums sm:ml-auto" aria-live="polite">
          {rangeLabel(offset, PAGE_SIZE, rows.data?.total)}
        </span>
      </div>
      {rows.isLoading ? <Loading /> : null}
      <LoadError error={rows.error} />
      {rows.data && !rows.data.rows.length ? <Empty>{check || source || search ? 'No failing row matches.' : 'No row broke a rule.'}</Empty> : null}
      {rows.data?.rows.length ? (
        <ol aria-label="Failing row list" className="divide-y divide-border">
          {rows.data.rows.map((r) => (
            <li key={r.caseIndex} className="grid gap-2 px-5 py-3 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)] sm:gap-6">
              <div className="min-w-0">
                <p className="truncate font-mono text-sm font-medium" title={r.row}>
                  {r.row}
                </p>
                <p className="text-xs text-muted-fg">{r.source === 'samples' ? 'gateway sample' : `dataset case ${r.caseIndex + 1}`}</p>
                {r.excerpt ? <p className="mt-1 line-clamp-2 break-words text-xs text-muted-fg">{r.excerpt}</p> : null}
              </div>
              <ul aria-label={`Rules ${r.row} broke`} className="grid min-w-0 content-start gap-1.5 text-sm">
                {r.failures.map((f) => (
                  <li key={f.name} className="min-w-0 break-words">
                    <Badge tone="danger">{f.name}</Badge> <span className="text-muted-fg">{f.reason}</span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      ) : null}
      <Pager offset={offset} pageSize={PAGE_SIZE} total={total} onOffset={setOffset} />
    </Card>
  );
}

/** The run page's section for a data-quality run: the checks, then the rows that broke them. */
export function DataQualityResults({ service, number, checks }: { service: string; number: number; checks: CheckResult[] }) {
  const [check, setCheck] = useState('');
  return (
    <>
      <DataQualityChecks
        checks={checks}
        onPick={(name) => {
          setCheck(name);
          document.getElementById('failing-rows')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
        }}
      />
      <div id="failing-rows" className="scroll-mt-4">
        <FailingRows service={service} number={number} checks={checks} check={check} onCheck={setCheck} />
      </div>
    </>
  );
}
