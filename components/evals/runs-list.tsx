'use client';
// A service's eval runs, newest first (optionally one suite's): status, candidate vs baseline, scores and the
// verdict; refreshed every 2 s while a run on screen is queued or running.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime, formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { cn } from '@/components/ui/cn';
import { diffTone, EvalStatusBadge, isRunActive, pct, points, VerdictBadge } from './status';

export function EvalRunsTable({ service, suite, limit = 50 }: { service: string; suite?: string; limit?: number }) {
  const trpc = useTRPC();
  const runs = useQuery(trpc.evals.listRuns.queryOptions({ service, suite, limit }, { refetchInterval: (q) => (q.state.data?.items.some((r) => isRunActive(r.status)) ? 2000 : false) }));
  if (runs.isLoading) return <Loading />;
  if (runs.error) return <LoadError error={runs.error} />;
  const items = runs.data?.items ?? [];
  if (!items.length) return <Empty>{suite ? `${suite} has not run yet.` : `${service} has no eval runs yet.`}</Empty>;
  return (
    <div className="overflow-x-auto">
      <Table aria-label={suite ? `Runs of ${suite}` : `Eval runs of ${service}`}>
        <THead>
          <tr>
            <TH>Run</TH>
            <TH>Status</TH>
            {suite ? null : <TH>Suite</TH>}
            <TH>Release vs baseline</TH>
            <TH className="text-right">Score</TH>
            <TH className="text-right">Difference</TH>
            <TH>Verdict</TH>
            <TH className="text-right">Cost</TH>
            <TH>Started</TH>
          </tr>
        </THead>
        <TBody>
          {items.map((r) => {
            const s = r.summary;
            const diff = s?.baseline ? s.candidate.score - s.baseline.score : null;
            return (
              <TR key={r.number}>
                <TD>
                  <Link href={`/evals/${service}/runs/${r.number}`} className="font-medium text-primary hover:underline">
                    #{r.number}
                  </Link>
                </TD>
                <TD>
                  <EvalStatusBadge status={r.status} />
                  {isRunActive(r.status) && r.progress.totalCalls ? (
                    <div className="text-xs text-muted-fg tabular-nums">
                      {r.progress.doneCalls}/{r.progress.totalCalls} calls
                    </div>
                  ) : null}
                </TD>
                {suite ? null : (
                  <TD>
                    {r.suite ? (
                      <>
                        <Link href={`/evals/${service}/suites/${r.suite.name}`} className="hover:underline">
                          {r.suite.name}
                        </Link>
                        <span className="text-xs text-muted-fg"> v{r.suite.version}</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </TD>
                )}
                <TD className="whitespace-nowrap">
                  #{r.release} <span className="text-muted-fg">vs</span> {r.baseline ? `#${r.baseline}` : <span className="text-muted-fg">none</span>}
                  {r.environment ? <div className="text-xs text-muted-fg">gate of {r.environment}</div> : null}
                </TD>
                <TD className="text-right whitespace-nowrap tabular-nums">
                  {s ? (
                    <>
                      {pct(s.candidate.score)}
                      {s.baseline ? <span className="text-muted-fg"> vs {pct(s.baseline.score)}</span> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </TD>
                <TD className={cn('text-right whitespace-nowrap tabular-nums', diffTone(diff))}>{points(diff)}</TD>
                <TD>
                  <VerdictBadge passed={s?.verdict.passed} />
                </TD>
                <TD className="text-right tabular-nums">{formatUsd(r.progress.costUsd)}</TD>
                <TD className="whitespace-nowrap text-muted-fg">{formatTime(r.startedAt ?? r.createdAt)}</TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
    </div>
  );
}
