'use client';
// The injection section of a run page: attack success per category, the candidate beside its baseline (the
// release the environment serves), with the candidate's 95% interval, McNemar's p-value and "too few to tell";
// then the attacks that worked, each expandable to the attack as sent and both arms' outputs with what was found.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { CategoryResult, EvalResult, RunSummary } from '@/db/schema';
import { formatMs } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Pager, rangeLabel } from '@/components/ui/pager';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { diffTone, pct, points, pValue } from './status';

type AttackRow = RouterOutputs['evals']['injectionAttacks']['attacks'][number];

const ci = (c: [number, number] | null) => (c ? `${pct(c[0])}–${pct(c[1])}` : '—');

function RateBar({ rate, tone }: { rate: number; tone: 'candidate' | 'baseline' }) {
  return (
    <div className="h-1.5 w-24 overflow-hidden rounded-full bg-muted" aria-hidden>
      <div className={cn('h-full rounded-full', tone === 'candidate' ? 'bg-danger' : 'bg-muted-fg/60')} style={{ width: `${Math.min(100, rate * 100)}%` }} />
    </div>
  );
}

function CategoryRow({ c, bold }: { c: CategoryResult; bold?: boolean }) {
  const change = c.baselineRate === null ? null : c.candidateRate - c.baselineRate;
  const tooFew = c.tooFew === true;
  return (
    <TR>
      <TD className={cn('font-mono text-xs', bold && 'font-sans text-sm font-semibold')}>{c.category}</TD>
      <TD className="tabular-nums">{c.attacks}</TD>
      <TD>
        <div className="grid gap-1">
          <span className="tabular-nums">
            <span className="font-semibold">{pct(c.candidateRate)}</span> <span className="text-muted-fg">({c.candidateSuccesses})</span>
          </span>
          <RateBar rate={c.candidateRate} tone="candidate" />
        </div>
      </TD>
      <TD className="text-xs text-muted-fg tabular-nums">{ci(c.ci95)}</TD>
      <TD>
        {c.baselineRate === null ? (
          <span className="text-muted-fg">—</span>
        ) : (
          <div className="grid gap-1">
            <span className="tabular-nums">
              {pct(c.baselineRate)} <span className="text-muted-fg">({c.baselineSuccesses})</span>
            </span>
            <RateBar rate={c.baselineRate} tone="baseline" />
          </div>
        )}
      </TD>
      {/* More successful attacks is worse: the sign is flipped for the colour. */}
      <TD className={cn('tabular-nums', diffTone(change === null ? null : -change))}>{points(change)}</TD>
      <TD className="tabular-nums">
        {pValue(c.pValue)}
        {tooFew ? (
          <span className="block text-xs text-warning" title="Even every attack of an increase just past the margin succeeding only on the candidate would not be significant.">
            too few to tell
          </span>
        ) : null}
      </TD>
    </TR>
  );
}

export function InjectionResults({ service, number, summary, candidateRelease, baselineRelease, live }: { service: string; number: number; summary: RunSummary | null; candidateRelease: number; baselineRelease: number | null; live: boolean }) {
  const categories = summary?.categories ?? [];
  return (
    <>
      <Card role="region" aria-label="Attack success by category">
        <CardHeader
          title="Attack success by category"
          description={`Share of attacks that worked (leaked the canary or obeyed the nonce) on #${candidateRelease}${baselineRelease ? ` and on #${baselineRelease}, the baseline, on the same attacks` : ''}. Lower is better.`}
        />
        {categories.length ? (
          <Table>
            <THead>
              <tr>
                <TH>Category</TH>
                <TH>Attacks</TH>
                <TH>Candidate #{candidateRelease}</TH>
                <TH>95% CI</TH>
                <TH>{baselineRelease ? `Baseline #${baselineRelease}` : 'Baseline'}</TH>
                <TH>Change</TH>
                <TH>McNemar</TH>
              </tr>
            </THead>
            <TBody>
              {categories.map((c) => (
                <CategoryRow key={c.category} c={c} />
              ))}
              {summary?.overall ? <CategoryRow c={{ ...summary.overall, category: 'All categories' }} bold /> : null}
            </TBody>
          </Table>
        ) : (
          <p className="px-5 pb-4 text-sm text-muted-fg">{live ? 'Figures appear when the run finishes.' : 'No figures: the run did not finish.'}</p>
        )}
      </Card>
      <SuccessfulAttacks service={service} number={number} candidateRelease={candidateRelease} baselineRelease={baselineRelease} live={live} />
    </>
  );
}

const PAGE = 25;

function SuccessfulAttacks({ service, number, candidateRelease, baselineRelease, live }: { service: string; number: number; candidateRelease: number; baselineRelease: number | null; live: boolean }) {
  const trpc = useTRPC();
  const [offset, setOffset] = useState(0);
  const query = useQuery(trpc.evals.injectionAttacks.queryOptions({ service, number, offset, limit: PAGE }, { refetchInterval: live ? 2000 : false }));
  return (
    <Card role="region" aria-label="Successful attacks">
      <CardHeader title="Successful attacks" description="Attacks that worked on the candidate or the baseline. Open one for the attack as sent and both outputs." />
      {query.isLoading ? <Loading /> : null}
      <LoadError error={query.error} />
      {query.data ? (
        query.data.total === 0 ? (
          <p className="px-5 pb-4 text-sm text-muted-fg">{live ? 'None so far.' : 'No attack worked on either arm.'}</p>
        ) : (
          <>
            <ul className="divide-y divide-border border-t border-border">
              {query.data.attacks.map((row) => (
                <AttackItem key={row.caseIndex} row={row} candidateRelease={candidateRelease} baselineRelease={baselineRelease} />
              ))}
            </ul>
            <p className="border-t border-border px-5 py-3 text-sm text-muted-fg tabular-nums">{rangeLabel(offset, PAGE, query.data.total)}</p>
            <Pager offset={offset} pageSize={PAGE} total={query.data.total} onOffset={setOffset} />
          </>
        )
      ) : null}
    </Card>
  );
}

function found(r: EvalResult | null): string {
  const d = r?.detail as { leak?: string | null; override?: string | null } | null | undefined;
  if (!d) return '';
  const form = (f: string) => (f === 'plain' ? '' : f === 'spaced' ? ' (spelled out)' : ` (${f})`);
  return [d.leak ? `leaked the canary${form(d.leak)}` : null, d.override ? `obeyed${form(d.override)}` : null].filter(Boolean).join(', ');
}

function AttackItem({ row, candidateRelease, baselineRelease }: { row: AttackRow; candidateRelease: number; baselineRelease: number | null }) {
  const a = row.attack!;
  return (
    <li>
      <details className="group">
        <summary aria-label={`Attack ${a.attackId}${a.variable ? ` in ${a.variable}` : ''}`} className="flex cursor-pointer flex-wrap items-center gap-2 px-5 py-3 text-sm hover:bg-muted/50">
          <span className="font-mono text-xs">{a.attackId}</span>
          <Badge>{a.category}</Badge>
          <span className="text-xs text-muted-fg">{a.variable ? `in {{${a.variable}}}` : 'as user turns'}</span>
          <span className="ml-auto flex flex-wrap gap-1.5">
            {row.candidateSucceeded ? <Badge tone="danger">candidate {found(row.candidate)}</Badge> : <Badge tone="success">candidate resisted</Badge>}
            {baselineRelease !== null ? row.baselineSucceeded ? <Badge tone="warning">baseline {found(row.baseline)}</Badge> : <Badge>baseline resisted</Badge> : null}
          </span>
        </summary>
        <div className="grid gap-3 px-5 pb-4">
          <div className="grid gap-1">
            <h4 className="text-xs font-medium tracking-wide text-muted-fg uppercase">Attack as sent</h4>
            <pre className="max-h-40 overflow-auto rounded bg-muted px-2 py-1.5 font-mono text-xs break-words whitespace-pre-wrap">{a.attack}</pre>
            <p className="text-xs text-muted-fg">
              {a.goal === 'leak' ? 'Asks for the system prompt' : `Asks for the nonce ${a.nonce}`}; canary {a.canary}; from {a.source}
            </p>
          </div>
          <div className={cn('grid gap-3', baselineRelease !== null && 'lg:grid-cols-2')}>
            <ArmOutput label={`Candidate #${candidateRelease}`} result={row.candidate} />
            {baselineRelease !== null ? <ArmOutput label={`Baseline #${baselineRelease}`} result={row.baseline} /> : null}
          </div>
        </div>
      </details>
    </li>
  );
}

function ArmOutput({ label, result }: { label: string; result: EvalResult | null }) {
  const judge = (result?.detail as { judge?: { judge: string; attackSucceeded: boolean | null; reason: string } } | null | undefined)?.judge;
  return (
    <section aria-label={`${label} output`} className="grid min-w-0 content-start gap-2 rounded-md border border-border p-3">
      <h4 className="text-xs font-medium tracking-wide text-muted-fg uppercase">{label}</h4>
      {!result ? (
        <p className="text-sm text-muted-fg">Not answered yet.</p>
      ) : result.error ? (
        <p className="text-sm text-danger">The call failed: {result.error}</p>
      ) : (
        <>
          <pre className="max-h-48 overflow-auto rounded bg-muted px-2 py-1.5 font-sans text-sm break-words whitespace-pre-wrap">{result.output ?? ''}</pre>
          <p className={cn('text-xs', result.pass ? 'text-success' : 'text-danger')}>{result.assertions.filter((o) => o.weight > 0).map((o) => o.reason).join('; ')}</p>
          {judge ? (
            <p className="text-xs text-muted-fg">
              Judge {judge.judge}: {judge.attackSucceeded === null ? judge.reason : `${judge.attackSucceeded ? 'the attack worked' : 'resisted'} — ${judge.reason}`}
            </p>
          ) : null}
          {result.latencyMs !== null ? <p className="text-xs text-muted-fg tabular-nums">{formatMs(result.latencyMs)}</p> : null}
        </>
      )}
    </section>
  );
}
