'use client';
// Online quality of an environment: the share of sampled live answers that pass its eval suite's assertions, per
// release over the page's range (with the deploys, rollout steps and rollbacks that explain changes), the totals
// per release, what is scored (suite, share, the day's judge spend against its budget, the assertions left out and
// why) and the latest scores with the reasons of those that failed.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { TimeSeriesChart, type SeriesDef } from '@/components/charts/time-series';
import { pivotByRelease, releaseKey, releasesOf } from '@/components/charts/shape';
import { compact, releaseColour } from '@/components/charts/theme';
import { formatPercent, formatTime, formatUsd } from '@/components/format';
import { DASHBOARD_REFRESH_MS } from '@/components/monitoring/environment-charts';
import { rangePhrase, type RangeInput } from '@/components/monitoring/range-picker';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import type { OnlineRecent, OnlineSeries } from '@/server/services/online-evals/queries';

export function OnlineQuality({ service, environment, range }: { service: string; environment: string; range: RangeInput }) {
  const trpc = useTRPC();
  const refetchInterval = 'range' in range ? DASHBOARD_REFRESH_MS : false;
  const series = useQuery({ ...trpc.onlineEvals.series.queryOptions({ service, environment, ...range }), placeholderData: keepPreviousData, refetchInterval });
  const recent = useQuery({ ...trpc.onlineEvals.recent.queryOptions({ service, environment, limit: 10 }), refetchInterval });
  const phrase = rangePhrase(range);
  const info = recent.data;
  const on = info?.settings.enabled ?? false;

  return (
    <Card role="region" aria-label="Online quality">
      <CardHeader
        title="Online quality"
        description={`Sampled live answers of ${environment} scored with the eval suite's assertions, off the request path, ${phrase}: the share that passes per release.`}
      />
      <div className="grid gap-5 px-5 py-4">
        {recent.isLoading || series.isLoading ? <Loading className="px-0" /> : null}
        <LoadError error={recent.error ?? series.error} className="px-0" />
        {info ? (
          <div className="grid gap-2 text-sm">
            <p className="flex flex-wrap items-center gap-2">
              <Badge tone={on ? (info.problem ? 'warning' : 'success') : 'neutral'}>{on ? 'on' : 'off'}</Badge>
              {on ? (
                <span>
                  {info.settings.samplePercent}% of live requests scored with{' '}
                  {info.suite ? (
                    <Link href={`/evals/${service}/suites/${info.suite.name}`} className="text-primary hover:underline">
                      {info.suite.name} v{info.suite.version}
                    </Link>
                  ) : (
                    <span className="font-mono text-xs">{info.settings.suite ?? 'no suite'}</span>
                  )}
                  {info.suite ? ` (a score passes at ${formatPercent(info.suite.threshold)})` : ''}; judge spend today {formatUsd(info.spend.spentUsd)} of {formatUsd(info.spend.budgetUsd)}
                  {info.spend.exhausted ? ' — budget spent: model-graded assertions wait for tomorrow (UTC)' : ''}.
                </span>
              ) : (
                <span className="text-muted-fg">Online evals are off for {environment}: turn them on in the environment&apos;s production checks settings (a suite and a sample share).</span>
              )}
            </p>
            {info.problem ? (
              <p role="alert" className="text-warning">
                Nothing is scored: {info.problem}.
              </p>
            ) : null}
            {info.suite ? (
              <p className="text-muted-fg">
                Scored with: {info.suite.assertions.map((a) => `${a.type}${a.modelGraded ? ' (model-graded)' : ''}`).join(', ') || 'none'}.
              </p>
            ) : null}
            {info.suite?.skipped.length ? (
              <details className="text-muted-fg">
                <summary className="cursor-pointer">
                  {info.suite.skipped.length} assertion{info.suite.skipped.length === 1 ? '' : 's'} of the suite cannot score live answers
                </summary>
                <ul aria-label="Assertions left out" className="mt-1 grid gap-1 pl-4">
                  {info.suite.skipped.map((s) => (
                    <li key={s.index}>
                      <span className="font-mono text-xs">
                        assertions[{s.index}] {s.type}
                      </span>
                      : {s.reason}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </div>
        ) : null}
        {series.data ? <QualityCharts data={series.data} empty={on ? `No live answers scored ${phrase} yet: scores arrive within a minute or two of the traffic.` : `No online scores ${phrase}.`} /> : null}
        {info?.items.length ? <RecentScores items={info.items} service={service} /> : null}
      </div>
    </Card>
  );
}

function QualityCharts({ data: s, empty }: { data: OnlineSeries; empty: string }) {
  const releases = releasesOf(s.releases, s.points);
  const domain: [number, number] = [Date.parse(s.from), Date.parse(s.to)];
  const name = (r: number) => (r === 0 ? 'no release' : `${s.service}#${r}`);
  const defs = (kind: SeriesDef['kind'], stack?: string): SeriesDef[] => releases.map((r) => ({ key: releaseKey(r), label: name(r), colour: releaseColour(r), kind, stack }));
  const step = s.stepSeconds;
  const stepWords = step % 3600 === 0 ? `${step / 3600} h` : `${step / 60} min`;
  const common = { domain, stepSeconds: step, markers: s.markers, empty };
  const byKey = new Map(s.points.map((p) => [`${Date.parse(p.t)}:${p.release}`, p]));
  const counts = (t: number) => {
    const lines = releases.flatMap((r) => {
      const p = byKey.get(`${t}:${r}`);
      return p ? [`${name(r)}: ${p.passed} of ${p.count} passed, mean score ${p.meanScore.toFixed(2)}${p.budgetSkipped ? `, ${p.budgetSkipped} without the judge` : ''}`] : [];
    });
    return lines.length ? <p className="mt-1 text-muted-fg">{lines.join('; ')}</p> : null;
  };
  return (
    <div className="grid gap-5">
      <div className="grid grid-cols-1 gap-x-6 gap-y-8 xl:grid-cols-2">
        <TimeSeriesChart
          {...common}
          title="Online pass rate"
          description={`Share of scored live answers that passed, per release and ${stepWords}.`}
          rows={pivotByRelease(s.points, s, releases, (p) => p.passRate, null)}
          series={defs('line')}
          format={formatPercent}
          yDomain={[0, 1]}
          detail={counts}
        />
        <TimeSeriesChart {...common} title="Scored answers" description={`Per ${stepWords}, stacked by release.`} rows={pivotByRelease(s.points, s, releases, (p) => p.count, 0)} series={defs('area', 'scored')} format={compact} counts />
      </div>
      {s.totals.length ? (
        <div className="overflow-x-auto rounded-md border border-border">
          <Table aria-label="Online quality per release">
            <THead>
              <tr>
                <TH>Release</TH>
                <TH className="text-right">Scored</TH>
                <TH className="text-right">Pass rate</TH>
                <TH className="text-right">Mean score</TH>
                <TH className="text-right">Without judge</TH>
                <TH className="text-right">Judge cost</TH>
              </tr>
            </THead>
            <TBody>
              {s.totals.map((t) => (
                <TR key={t.release}>
                  <TD>{name(t.release)}</TD>
                  <TD className="text-right tabular-nums">{t.count.toLocaleString('en')}</TD>
                  <TD className="text-right tabular-nums">{formatPercent(t.passRate)}</TD>
                  <TD className="text-right tabular-nums">{t.meanScore.toFixed(2)}</TD>
                  <TD className="text-right tabular-nums">{t.budgetSkipped.toLocaleString('en')}</TD>
                  <TD className="text-right tabular-nums">{formatUsd(t.costUsd)}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        </div>
      ) : null}
    </div>
  );
}

type RecentItem = OnlineRecent['items'][number];

function RecentScores({ items, service }: { items: RecentItem[]; service: string }) {
  return (
    <div className="overflow-x-auto rounded-md border border-border">
      <Table aria-label="Latest online scores">
        <THead>
          <tr>
            <TH>Answered</TH>
            <TH>Release</TH>
            <TH>Verdict</TH>
            <TH className="text-right">Score</TH>
            <TH>Why</TH>
          </tr>
        </THead>
        <TBody>
          {items.map((s) => {
            const failed = s.outcomes.filter((o) => !o.pass);
            return (
              <TR key={s.requestId}>
                <TD className="whitespace-nowrap text-xs">{formatTime(s.at, { seconds: true })}</TD>
                <TD className="whitespace-nowrap">{s.releaseNumber !== null ? `${service}#${s.releaseNumber}` : '—'}</TD>
                <TD>
                  <Badge tone={s.pass ? 'success' : 'danger'}>{s.pass ? 'pass' : 'fail'}</Badge>
                </TD>
                <TD className="text-right tabular-nums">{s.score.toFixed(2)}</TD>
                <TD className="min-w-64 text-xs text-muted-fg">
                  {(failed.length ? failed : s.outcomes).map((o) => `${o.type}: ${o.reason}`).join('; ')}
                  {s.budgetSkipped ? ' (model-graded assertions skipped: the day’s budget was spent)' : ''}
                </TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
    </div>
  );
}
