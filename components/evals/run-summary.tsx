// A finished eval run read at a glance: the verdict and its reasons, candidate beside baseline (score, pass rate,
// cost, latency), the paired difference with its 95% interval and both tests, what the dataset can detect at its
// size, and the per-metric comparison.
import { AlertTriangle, CheckCircle2, XCircle } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import type { RunSummary } from '@/db/schema';
import { formatMs, formatUsd } from '@/components/format';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { diffTone, interval, pct, points, pValue } from './status';

export function VerdictCard({ summary }: { summary: RunSummary }) {
  const { passed, reasons, tooSmall } = summary.verdict;
  return (
    <Card role="region" aria-label="Verdict" className={cn('border-l-4', passed ? 'border-l-success' : 'border-l-danger')}>
      <div className="grid gap-2 px-5 py-4">
        <p className={cn('flex items-center gap-2 text-lg font-semibold', passed ? 'text-success' : 'text-danger')}>
          {passed ? <CheckCircle2 className="h-5 w-5" aria-hidden /> : <XCircle className="h-5 w-5" aria-hidden />}
          {passed ? 'Gate passed' : 'Gate failed'}
        </p>
        {reasons.length ? (
          <ul aria-label="Reasons" className="grid list-disc gap-1 pl-5 text-sm">
            {reasons.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        ) : null}
        {tooSmall ? (
          <p role="note" className="flex items-start gap-2 rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
            <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
            {summary.checks ? (
              <span>
                <strong>Too few cases to tell.</strong> Some checks apply to too few cases to tell a real rate from chance (see the checks below); add cases that exercise them.
              </span>
            ) : (
              <span>
                <strong>Dataset too small to tell.</strong> With {summary.cases} case{summary.cases === 1 ? '' : 's'} this run can only detect regressions of{' '}
                {summary.minDetectableRegression === null ? 'unknown size' : `${points(summary.minDetectableRegression).replace(/^[+−±]/, '')} or more`}, larger than the gate&apos;s margin:
                a smaller regression would pass unseen. Add cases to the dataset.
              </span>
            )}
          </p>
        ) : null}
      </div>
    </Card>
  );
}

function Figure({ label, value, sub, className }: { label: string; value: ReactNode; sub?: ReactNode; className?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-fg">{label}</dt>
      <dd className={cn('mt-0.5 text-xl font-semibold tabular-nums', className)}>{value}</dd>
      {sub ? <dd className="text-xs text-muted-fg tabular-nums">{sub}</dd> : null}
    </div>
  );
}

/** Candidate and baseline side by side, and the paired comparison between them. */
export function ComparisonCard({ service, summary, candidateRelease, cacheHits, totalCalls }: { service: string; summary: RunSummary; candidateRelease: number; cacheHits: number; totalCalls: number }) {
  const c = summary.candidate;
  const b = summary.baseline;
  const overall = summary.metrics.find((m) => m.metric === 'score') ?? null;
  const releaseLink = (n: number) => (
    <Link href={`/releases/${service}/${n}`} className="text-primary hover:underline">
      {service}#{n}
    </Link>
  );
  return (
    <Card role="region" aria-label="Comparison">
      <CardHeader title="Candidate vs baseline" description={`${summary.cases} case${summary.cases === 1 ? '' : 's'}, each scored on both arms.`} />
      <div className="grid gap-6 px-5 py-4 md:grid-cols-3">
        <section aria-label="Candidate" className="grid content-start gap-3">
          <h3 className="text-sm font-medium">Candidate {releaseLink(candidateRelease)}</h3>
          <dl className="grid grid-cols-2 gap-3">
            <Figure label="Score" value={pct(c.score)} />
            <Figure label="Pass rate" value={pct(c.passRate)} />
            <Figure label="Cost" value={formatUsd(c.costUsd)} className="text-base" />
            <Figure label="Latency p50" value={c.latencyP50Ms === null ? '—' : formatMs(c.latencyP50Ms)} className="text-base" />
          </dl>
          {c.errors ? <p className="text-xs text-danger">{c.errors} call{c.errors === 1 ? '' : 's'} failed after retries (scored 0).</p> : null}
        </section>
        <section aria-label="Baseline" className="grid content-start gap-3">
          <h3 className="text-sm font-medium">Baseline {b ? releaseLink(b.release) : <span className="text-muted-fg">none</span>}</h3>
          {b ? (
            <>
              <dl className="grid grid-cols-2 gap-3">
                <Figure label="Score" value={pct(b.score)} />
                <Figure label="Pass rate" value={pct(b.passRate)} />
                <Figure label="Cost" value={formatUsd(b.costUsd)} className="text-base" />
                <Figure label="Latency p50" value={b.latencyP50Ms === null ? '—' : formatMs(b.latencyP50Ms)} className="text-base" />
              </dl>
              {b.errors ? <p className="text-xs text-danger">{b.errors} call{b.errors === 1 ? '' : 's'} failed after retries (scored 0).</p> : null}
            </>
          ) : (
            <p className="text-sm text-muted-fg">The candidate ran alone: only the minimum score applies.</p>
          )}
        </section>
        <section aria-label="Difference" className="grid content-start gap-3">
          <h3 className="text-sm font-medium">Paired difference</h3>
          <dl className="grid grid-cols-2 gap-3">
            <Figure label="Score (candidate − baseline)" value={points(overall?.difference)} sub={overall?.ci95 ? `95% CI ${interval(overall.ci95)}` : undefined} className={diffTone(overall?.difference)} />
            <Figure label="Wilcoxon signed-rank" value={pValue(overall?.wilcoxonP)} sub="on case scores" className="text-base" />
            <Figure
              label="McNemar exact"
              value={pValue(summary.mcnemar?.pValue)}
              sub={summary.mcnemar ? `${summary.mcnemar.b} lost, ${summary.mcnemar.c} gained` : 'on pass/fail'}
              className="text-base"
            />
            <Figure
              label="Min. detectable regression"
              value={summary.minDetectableRegression === null ? '—' : points(summary.minDetectableRegression).replace(/^[+−±]/, '')}
              sub="at this size, α and 80% power"
              className="text-base"
            />
          </dl>
        </section>
      </div>
      <dl className="flex flex-wrap gap-x-8 gap-y-2 border-t border-border px-5 py-3 text-sm">
        <div>
          <dt className="inline text-muted-fg">Run cost </dt>
          <dd className="inline font-medium tabular-nums">{formatUsd(c.costUsd + (b?.costUsd ?? 0))}</dd>
        </div>
        <div>
          <dt className="inline text-muted-fg">Cache hits </dt>
          <dd className="inline font-medium tabular-nums">
            {cacheHits} of {totalCalls} call{totalCalls === 1 ? '' : 's'}
          </dd>
        </div>
      </dl>
    </Card>
  );
}

export function MetricsTable({ summary }: { summary: RunSummary }) {
  if (!summary.metrics.length) return null;
  const hasBaseline = summary.baseline !== null;
  return (
    <Card role="region" aria-label="Metrics">
      <CardHeader title="Per metric" description="Each metric's mean over the cases; the interval and test are on the paired per-case differences." />
      <div className="overflow-x-auto">
        <Table aria-label="Metrics">
          <THead>
            <tr>
              <TH>Metric</TH>
              <TH className="text-right">Candidate</TH>
              {hasBaseline ? (
                <>
                  <TH className="text-right">Baseline</TH>
                  <TH className="text-right">Difference</TH>
                  <TH className="text-right">95% CI</TH>
                  <TH className="text-right">Wilcoxon</TH>
                </>
              ) : null}
            </tr>
          </THead>
          <TBody>
            {summary.metrics.map((m) => (
              <TR key={m.metric}>
                <TD className="font-medium">{m.metric === 'score' ? 'score (weighted)' : m.metric}</TD>
                <TD className="text-right tabular-nums">{pct(m.candidate)}</TD>
                {hasBaseline ? (
                  <>
                    <TD className="text-right tabular-nums">{pct(m.baseline)}</TD>
                    <TD className={cn('text-right whitespace-nowrap tabular-nums', diffTone(m.difference))}>{points(m.difference)}</TD>
                    <TD className="text-right whitespace-nowrap tabular-nums">{interval(m.ci95)}</TD>
                    <TD className="text-right whitespace-nowrap tabular-nums">{pValue(m.wilcoxonP)}</TD>
                  </>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      </div>
    </Card>
  );
}
