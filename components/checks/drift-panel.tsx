'use client';
// An environment's Drift tab: the verdict of the latest drift report (or the one `?report=` names) with each
// drifted feature's method and statistic, both windows, the reference-vs-current histograms (drifted features
// first), the text classifier's AUC against its threshold with the n-grams that tell the windows apart, each
// feature's status over the page's range with the release markers, every feature's figures, Run now, and the past
// reports.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { DriftHistogramChart } from '@/components/charts/drift-histogram';
import { StatusTimeline, type StatusRow } from '@/components/charts/status-timeline';
import { ThresholdGauge } from '@/components/charts/threshold-gauge';
import { ErrorAlert } from '@/components/errors';
import { formatDuration, formatPercent, formatTime, relativeTime } from '@/components/format';
import { RangePicker, rangePhrase, useRange } from '@/components/monitoring/range-picker';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Segmented } from '@/components/ui/segmented';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import type { DriftWindow, TextDrift } from '@/db/schema';
import { byConcern, featureFigure, featureLabel, formatP, formatStat, methodOf, ruleOf, STATUS, textFigure, textLabel, verdictOf } from './drift-text';

type Summary = RouterOutputs['drift']['reports']['reports'][number];
type Report = RouterOutputs['drift']['report'];
type Feature = Report['features'][number];

export function DriftPanel({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const canRun = useCan('environments:deploy');
  const chosen = params?.get('report') ?? null;
  const [before, setBefore] = useState<Date[]>([]);
  // The newest reports (for the latest verdict), and the page of the list being read (the same query on page one).
  const newest = useQuery(trpc.drift.reports.queryOptions({ service, environment, limit: 20 }));
  const list = useQuery({ ...trpc.drift.reports.queryOptions({ service, environment, limit: 20, before: before.at(-1) }), placeholderData: keepPreviousData });
  const latestWhole = newest.data?.reports.find((r) => r.releaseNumber === null) ?? newest.data?.reports[0] ?? null;
  const id = chosen ?? latestWhole?.id ?? null;
  const report = useQuery(trpc.drift.report.queryOptions({ id: id ?? '00000000-0000-0000-0000-000000000000' }, { enabled: Boolean(id) }));
  const reportHref = (reportId: string | null) => {
    const next = new URLSearchParams(params?.toString());
    next.set('tab', 'drift');
    if (reportId) next.set('report', reportId);
    else next.delete('report');
    return `${pathname}?${next.toString()}`;
  };
  const run = useMutation(
    trpc.drift.run.mutationOptions({
      onSuccess: async () => {
        setBefore([]);
        await qc.invalidateQueries({ queryKey: trpc.drift.pathKey() });
        router.push(reportHref(null), { scroll: false });
      },
    }),
  );
  const r = report.data;
  const isLatest = Boolean(r && latestWhole && (r.id === latestWhole.id || (r.releaseNumber !== null && sameRun(r, latestWhole))));

  const runButton = canRun ? (
    <Button onClick={() => run.mutate({ service, environment })} disabled={run.isPending}>
      {run.isPending ? 'Running…' : 'Run now'}
    </Button>
  ) : null;

  return (
    <div className="grid grid-cols-1 gap-6 *:min-w-0">
      <ErrorAlert error={run.error} />
      {newest.isLoading || (id && report.isLoading) ? <Loading className="px-0" /> : null}
      <LoadError error={newest.error ?? report.error} className="px-0" />
      {newest.isSuccess && !newest.data.reports.length && !chosen ? (
        <Card role="region" aria-label="Drift verdict">
          <CardHeader title="Drift" description="Reports compare a reference window of this environment’s traffic with the latest one, feature by feature and text by text." actions={runButton} />
          <Empty>
            No drift report yet. Reports run on the schedule of the environment’s production checks once it has traffic{canRun ? ', or now with Run now' : ''}; the reference window and schedule are on the{' '}
            <Link href={`${pathname}?tab=settings`} className="text-primary hover:underline">
              Settings tab
            </Link>
            .
          </Empty>
        </Card>
      ) : null}
      {r ? (
        <>
          <Verdict report={r} isLatest={isLatest} latestHref={reportHref(null)} runButton={runButton} arms={armsOf(r, [...(newest.data?.reports ?? []), ...(list.data?.reports ?? [])])} reportHref={reportHref} />
          <Distributions report={r} />
          <TextDriftCard report={r} />
        </>
      ) : null}
      <Timeline service={service} environment={environment} reportHref={reportHref} windows={windowStarts([...(newest.data?.reports ?? []), ...(list.data?.reports ?? [])])} />
      {r ? <FeatureTable report={r} /> : null}
      {list.data?.reports.length ? (
        <PastReports
          reports={list.data.reports}
          current={r?.id ?? null}
          reportHref={reportHref}
          older={list.data.nextBefore ? () => setBefore((b) => [...b, list.data!.nextBefore!]) : null}
          newer={before.length ? () => setBefore((b) => b.slice(0, -1)) : null}
        />
      ) : null}
    </div>
  );
}

/** Reports of one run share their creation instant: the environment-wide one and the per-release arms. */
function sameRun(a: { createdAt: Date }, b: { createdAt: Date }): boolean {
  return new Date(a.createdAt).getTime() === new Date(b.createdAt).getTime();
}

function armsOf(r: Summary | Report, reports: Summary[]): Summary[] {
  const run = [...new Map(reports.filter((x) => sameRun(x, r)).map((x) => [x.id, x])).values()];
  return run.length > 1 ? run.sort((a, b) => (a.releaseNumber ?? -1) - (b.releaseNumber ?? -1)) : [];
}

function scopeOf(r: { releaseNumber: number | null }): string {
  return r.releaseNumber === null ? 'Whole environment' : `Release #${r.releaseNumber}`;
}

const TONE_RING: Record<string, string> = {
  danger: 'border-l-danger',
  success: 'border-l-success',
  neutral: 'border-l-muted-fg',
  warning: 'border-l-warning',
};

function Verdict({ report: r, isLatest, latestHref, runButton, arms, reportHref }: { report: Report; isLatest: boolean; latestHref: string; runButton: React.ReactNode; arms: Summary[]; reportHref: (id: string | null) => string }) {
  const router = useRouter();
  const status = STATUS[r.status];
  const verdict = verdictOf(r);
  const drifted = [...r.features.filter((f) => f.drifted).map((f) => ({ key: f.feature, label: featureLabel(f.feature), figure: featureFigure(f), rule: ruleOf(f) })), ...r.text.filter((t) => t.drifted).map((t) => ({ key: `${t.field}_text`, label: textLabel(t.field), figure: `${methodOf(t.method).short} ${textFigure(t)}`, rule: `drift when AUC > ${formatStat(t.threshold)}` }))];
  return (
    <Card role="region" aria-label="Drift verdict" className={cn('border-l-4', TONE_RING[status.tone])}>
      <div className="flex flex-wrap items-start justify-between gap-4 px-5 py-4">
        <div className="min-w-0 flex-1 basis-72">
          <p className="flex flex-wrap items-center gap-2 text-xs text-muted-fg">
            <Badge tone={status.tone}>{status.word}</Badge>
            <span>{scopeOf(r)}</span>
            <span aria-hidden>·</span>
            <time dateTime={new Date(r.createdAt).toISOString()} title={formatTime(r.createdAt, { seconds: true })}>
              {relativeTime(new Date(r.createdAt))}
            </time>
            <span aria-hidden>·</span>
            <span>
              {r.trigger === 'manual' ? `run by ${r.requestedBy ?? 'someone'}` : 'scheduled'} in {formatDuration(r.durationMs)}
            </span>
          </p>
          <h2 className="mt-2 text-xl font-semibold tracking-tight">{verdict.title}</h2>
          <p className="mt-1 text-sm text-muted-fg">{verdict.detail}</p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {!isLatest ? (
            <Button variant="secondary" asChild>
              <Link href={latestHref} scroll={false}>
                Latest report
              </Link>
            </Button>
          ) : null}
          {runButton}
        </div>
      </div>
      {!isLatest ? (
        <p role="note" className="border-t border-border bg-muted/40 px-5 py-2 text-sm">
          An earlier report, as it was stored on {formatTime(r.createdAt)} with the settings then in force.
        </p>
      ) : null}
      {drifted.length ? (
        <ul aria-label="Drifted" className="grid gap-x-6 gap-y-2 border-t border-border px-5 py-3 sm:grid-cols-2">
          {drifted.map((d) => (
            <li key={d.key} className="min-w-0">
              <span className="font-medium">{d.label}</span>
              <span className="block text-sm tabular-nums">{d.figure}</span>
              <span className="block text-xs text-muted-fg">{d.rule}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="grid gap-3 border-t border-border px-5 py-3 sm:grid-cols-2">
        <WindowBox title={`Reference · ${referenceKind(r.reference.kind)}`} w={r.reference} showLabel={r.reference.kind !== 'period'} />
        <WindowBox title="Current" w={r.current} />
      </div>
      {arms.length ? (
        <div className="flex flex-wrap items-center gap-3 border-t border-border px-5 py-3 text-sm">
          <span className="text-muted-fg">This run also compared each release that served both windows:</span>
          <Segmented
            label="Report scope"
            options={arms.map((a) => ({ id: a.id, label: `${a.releaseNumber === null ? 'Environment' : `#${a.releaseNumber}`}${a.status === 'drift' ? ' · drift' : ''}` }))}
            value={r.id}
            onChange={(id) => router.push(reportHref(id), { scroll: false })}
          />
        </div>
      ) : null}
    </Card>
  );
}

function referenceKind(kind: string): string {
  return kind === 'release-start' ? 'start of the release' : kind === 'period' ? 'fixed period' : kind === 'dataset' ? 'dataset inputs' : kind;
}

function WindowBox({ title, w, showLabel = true }: { title: string; w: DriftWindow; showLabel?: boolean }) {
  const span = (s: string) => new Date(s).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return (
    <div className="min-w-0 text-sm">
      <p className="text-xs font-medium tracking-wide text-muted-fg uppercase">{title}</p>
      {showLabel ? <p className="font-medium">{w.label}</p> : null}
      <p className="text-muted-fg tabular-nums">
        {span(w.from)} – {span(w.to)} · {w.rows.toLocaleString('en')} {w.rows === 1 ? 'row' : 'rows'}
        {w.total > w.rows ? ` sampled of ${w.total.toLocaleString('en')}` : ''}
      </p>
    </div>
  );
}

function Distributions({ report }: { report: Report }) {
  const features = byConcern(report.features);
  if (!features.length) return null;
  return (
    <Card role="region" aria-label="Distributions">
      <CardHeader title="Reference vs current" description="Each feature’s distribution in both windows, as shares of each window’s requests; drifted features first. Hover a bar for counts." />
      <div className="grid gap-x-6 gap-y-6 px-5 py-4 sm:grid-cols-2 xl:grid-cols-3">
        {features.map((f) => (
          <DriftHistogramChart
            key={f.feature}
            title={`${featureLabel(f.feature)}: reference vs current`}
            description={f.skipped ? 'Not tested' : `${featureFigure(f)} · ${f.drifted ? 'drift' : 'no drift'}`}
            histogram={f.histogram}
            drifted={f.drifted}
            empty={f.skipped ? `Not tested: ${f.skipped}.` : 'No values in one of the windows: this feature was not recorded for the requests read.'}
          />
        ))}
      </div>
    </Card>
  );
}

function TextDriftCard({ report }: { report: Report }) {
  if (!report.text.length) return null;
  return (
    <Card role="region" aria-label="Text drift">
      <CardHeader
        title="Text drift"
        description="A classifier learns to tell the reference texts from the current ones (hashed word 1–2-grams, logistic regression); its ROC AUC on held-out texts is 0.5 when they cannot be told apart. Drift when it exceeds the threshold (the 95th percentile with shuffled labels, at least 0.55)."
      />
      <div className="grid gap-6 px-5 py-4 lg:grid-cols-2">
        {byConcern(report.text).map((t) => (
          <TextDriftBlock key={t.field} t={t} />
        ))}
      </div>
    </Card>
  );
}

function TextDriftBlock({ t }: { t: TextDrift }) {
  const label = textLabel(t.field);
  const toCurrent = t.topNgrams.filter((n) => n.weight > 0);
  const toReference = t.topNgrams.filter((n) => n.weight < 0);
  return (
    <section aria-label={label} className="grid content-start gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold">{label}</h3>
        {t.skipped ? <Badge>not tested</Badge> : <Badge tone={t.drifted ? 'danger' : 'success'}>{t.drifted ? 'drift' : 'no drift'}</Badge>}
      </div>
      {t.skipped || t.auc === null ? (
        <p className="rounded-md border border-dashed border-border px-4 py-4 text-sm text-muted-fg">Not tested: {t.skipped ?? 'no AUC was computed'}.</p>
      ) : (
        <>
          <p className="text-sm">
            {methodOf(t.method).short} <span className="font-medium tabular-nums">{textFigure(t)}</span>{' '}
            <span className="text-muted-fg">
              ({t.referenceRows.toLocaleString('en')} reference and {t.currentRows.toLocaleString('en')} current texts)
            </span>
          </p>
          <ThresholdGauge label={`${label} classifier`} value={t.auc} threshold={t.threshold} over={t.drifted} format={(v) => formatStat(v)} />
          {t.topNgrams.length ? (
            <div className="grid gap-4">
              <Ngrams title="More common now" items={toCurrent} side="current" />
              <Ngrams title="More common in the reference" items={toReference} side="reference" />
            </div>
          ) : t.method === 'domain-classifier' ? (
            <p className="text-sm text-muted-fg">No n-gram stood out.</p>
          ) : null}
        </>
      )}
    </section>
  );
}

function Ngrams({ title, items, side }: { title: string; items: TextDrift['topNgrams']; side: 'current' | 'reference' }) {
  return (
    <div className="min-w-0">
      <h4 className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">{title}</h4>
      {items.length ? (
        <Table aria-label={`${title}: n-grams`}>
          <THead>
            <tr>
              <TH className="px-2">n-gram</TH>
              <TH className="px-2 text-right">Reference</TH>
              <TH className="px-2 text-right">Current</TH>
            </tr>
          </THead>
          <TBody>
            {items.slice(0, 8).map((n) => (
              <TR key={n.ngram}>
                <TD className="max-w-[12rem] truncate px-2 py-1.5 font-mono text-xs" title={`${n.ngram} (weight ${formatStat(n.weight)})`}>
                  {n.ngram}
                </TD>
                <TD className={cn('px-2 py-1.5 text-right tabular-nums', side === 'reference' && 'font-medium')}>{formatPercent(n.referenceShare)}</TD>
                <TD className={cn('px-2 py-1.5 text-right tabular-nums', side === 'current' && 'font-medium')}>{formatPercent(n.currentShare)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : (
        <p className="text-sm text-muted-fg">None.</p>
      )}
    </div>
  );
}

/** When each listed report's current window began, so the timeline draws a report over the window it read. */
function windowStarts(reports: Summary[]): Map<string, number> {
  return new Map(reports.map((r) => [r.id, Date.parse(r.current.from)]));
}

function Timeline({ service, environment, reportHref, windows }: { service: string; environment: string; reportHref: (id: string) => string; windows: Map<string, number> }) {
  const trpc = useTRPC();
  const [range, setRange] = useRange();
  const timeline = useQuery({ ...trpc.drift.timeline.queryOptions({ service, environment, ...range }), placeholderData: keepPreviousData });
  const series = useQuery({ ...trpc.monitoring.environment.queryOptions({ service, environment, ...range }), placeholderData: keepPreviousData });
  const t = timeline.data;
  const rows: StatusRow[] = (t?.features ?? []).map((f) => ({
    key: f.feature,
    label: featureLabel(f.feature),
    points: f.points
      .filter((p) => p.status !== 'failed')
      .map((p) => ({
        t: new Date(p.t).getTime(),
        from: windows.get(p.reportId),
        state: p.skipped || p.statistic === null ? ('untested' as const) : p.drifted ? ('drift' as const) : ('ok' as const),
        detail: p.skipped || p.statistic === null ? 'not tested' : `${p.drifted ? 'drift' : 'ok'} · ${methodOf(p.method).symbol} ${formatStat(p.statistic)}${p.pValue !== null ? `, p ${formatP(p.pValue)}` : ''}`,
        href: reportHref(p.reportId),
      })),
  }));
  const phrase = rangePhrase(range);
  return (
    <Card role="region" aria-label="Drift over time">
      <CardHeader title="Status over time" description={`Each feature’s result in every environment-wide report ${phrase}, with the deploys, rollout steps and rollbacks that explain a change. Click a column to open its report.`} actions={<RangePicker value={range} onChange={setRange} />} />
      <div className="px-5 py-4">
        {timeline.isLoading ? <Loading className="px-0" /> : null}
        <LoadError error={timeline.error} className="px-0" />
        {t ? (
          <StatusTimeline
            title="Drift per feature over time"
            rows={rows}
            domain={[Date.parse(t.from), Date.parse(t.to)]}
            markers={series.data?.markers ?? []}
            empty={`No drift reports ${phrase}. Reports run on the environment’s schedule once it has traffic, or with Run now.`}
          />
        ) : null}
      </div>
    </Card>
  );
}

function FeatureTable({ report }: { report: Report }) {
  const features = byConcern(report.features);
  return (
    <Card role="region" aria-label="Features">
      <CardHeader
        title="Every feature"
        description="Up to 1,000 reference rows: KS for numbers with more than 5 values, chi-squared for few values and categories, z-test for yes/no, drift when p < 0.05. Above: normed Wasserstein or Jensen–Shannon distance, drift from 0.1. PSI beside each (10 quantile bins of the reference)."
      />
      {features.length ? (
        <Table aria-label="Features">
          <THead>
            <tr>
              <TH>Feature</TH>
              <TH>Method</TH>
              <TH className="text-right">Statistic</TH>
              <TH className="text-right">Threshold</TH>
              <TH className="text-right">p-value</TH>
              <TH className="text-right">PSI</TH>
              <TH className="text-right whitespace-nowrap">Mean (ref → cur)</TH>
              <TH className="text-right">Rows</TH>
              <TH>Result</TH>
            </tr>
          </THead>
          <TBody>
            {features.map((f) => (
              <FeatureRow key={f.feature} f={f} />
            ))}
          </TBody>
        </Table>
      ) : (
        <Empty>No features in this report{report.error ? `: ${report.error}` : ''}.</Empty>
      )}
    </Card>
  );
}

function FeatureRow({ f }: { f: Feature }) {
  const m = methodOf(f.method);
  return (
    <TR>
      <TD className="font-medium whitespace-nowrap">{featureLabel(f.feature)}</TD>
      <TD className="whitespace-nowrap" title={m.name}>
        {m.short}
      </TD>
      <TD className="text-right tabular-nums">{f.skipped ? '—' : `${m.symbol} ${formatStat(f.statistic)}`}</TD>
      <TD className="text-right tabular-nums whitespace-nowrap">{f.pValue !== null || m.test ? `p < ${formatStat(f.threshold)}` : `≥ ${formatStat(f.threshold)}`}</TD>
      <TD className="text-right tabular-nums">{f.skipped ? '—' : formatP(f.pValue)}</TD>
      <TD className="text-right tabular-nums">{formatStat(f.psi)}</TD>
      <TD className="text-right tabular-nums whitespace-nowrap">{f.referenceMean === null && f.currentMean === null ? '—' : `${formatStat(f.referenceMean)} → ${formatStat(f.currentMean)}`}</TD>
      <TD className="text-right tabular-nums whitespace-nowrap">
        {f.referenceRows.toLocaleString('en')} / {f.currentRows.toLocaleString('en')}
      </TD>
      <TD className="whitespace-nowrap">{f.skipped ? <span title={f.skipped}><Badge>not tested</Badge></span> : <Badge tone={f.drifted ? 'danger' : 'success'}>{f.drifted ? 'drift' : 'no drift'}</Badge>}</TD>
    </TR>
  );
}

function PastReports({ reports, current, reportHref, older, newer }: { reports: Summary[]; current: string | null; reportHref: (id: string) => string; older: (() => void) | null; newer: (() => void) | null }) {
  return (
    <Card role="region" aria-label="Past reports">
      <CardHeader title="Reports" description="Each report as it was stored, with the windows and settings then in force. Open one to read it again." />
      <Table aria-label="Drift reports">
        <THead>
          <tr>
            <TH>When</TH>
            <TH>Scope</TH>
            <TH>Result</TH>
            <TH className="text-right">Drifted</TH>
            <TH className="text-right whitespace-nowrap">Rows (ref / cur)</TH>
            <TH>Trigger</TH>
          </tr>
        </THead>
        <TBody>
          {reports.map((r) => {
            const tested = r.features.filter((f) => !f.skipped).length + r.text.filter((t) => !t.skipped).length;
            const drifted = r.features.filter((f) => f.drifted).length + r.text.filter((t) => t.drifted).length;
            return (
              <TR key={r.id} aria-current={r.id === current ? 'true' : undefined} className={r.id === current ? 'bg-muted/50' : undefined}>
                <TD className="whitespace-nowrap">
                  <Link href={reportHref(r.id)} scroll={false} className="font-medium text-primary hover:underline">
                    {formatTime(r.createdAt)}
                  </Link>
                </TD>
                <TD className="whitespace-nowrap">{r.releaseNumber === null ? 'environment' : `#${r.releaseNumber}`}</TD>
                <TD>
                  <Badge tone={STATUS[r.status].tone}>{STATUS[r.status].word}</Badge>
                </TD>
                <TD className="text-right tabular-nums whitespace-nowrap">{r.status === 'failed' || r.status === 'insufficient' ? '—' : `${drifted} of ${tested}`}</TD>
                <TD className="text-right tabular-nums whitespace-nowrap">
                  {r.reference.rows.toLocaleString('en')} / {r.current.rows.toLocaleString('en')}
                </TD>
                <TD className="whitespace-nowrap text-muted-fg">{r.trigger === 'manual' ? (r.requestedBy ?? 'manual') : 'schedule'}</TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
      {older || newer ? (
        <div className="flex gap-2 border-t border-border px-5 py-3">
          {newer ? (
            <Button variant="secondary" size="sm" onClick={newer}>
              Newer
            </Button>
          ) : null}
          {older ? (
            <Button variant="secondary" size="sm" onClick={older}>
              Older
            </Button>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
