'use client';
// An environment's gateway traffic per release over a recent window (15 min up to 30 days), refreshed every few
// seconds while the page is visible; values past the environment's SLOs are marked. On the overview the window
// follows the charts' range, so the table and the charts show the same figures.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { formatMs, formatPercent, formatScore, formatUsd } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Segmented } from '@/components/ui/segmented';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import type { Slos } from '@/db/schema';
import { DASHBOARD_REFRESH_MS } from '@/components/monitoring/environment-charts';
import { gatewayBaseUrl, useOrigin } from './gateway-text';

const WINDOWS = [
  { id: '15m', label: '15 min', phrase: 'last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', phrase: 'last hour', ms: 60 * 60_000 },
  { id: '24h', label: '24 h', phrase: 'last 24 hours', ms: 24 * 60 * 60_000 },
  { id: '7d', label: '7 d', phrase: 'last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { id: '30d', label: '30 d', phrase: 'last 30 days', ms: 30 * 24 * 60 * 60_000 },
] as const;
export type WindowId = (typeof WINDOWS)[number]['id'];

const TRAFFIC_REFRESH_MS = 5000;

type Row = RouterOutputs['telemetry']['summary']['releases'][number];

/** The current time, advanced every `intervalMs` while the tab is visible (hidden tabs do not poll). */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible') setNow(Date.now());
    };
    const timer = setInterval(tick, intervalMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [intervalMs]);
  return now;
}

export function TrafficCard({
  service,
  environment,
  slos,
  window: controlled,
  onWindow,
  note,
}: {
  service: string;
  environment: string;
  slos: Slos;
  /** The window chosen outside (the page's range); without it the card keeps its own. */
  window?: WindowId;
  onWindow?: (id: WindowId) => void;
  /** A line under the table (e.g. how the window relates to the charts). */
  note?: string;
}) {
  const trpc = useTRPC();
  const origin = useOrigin();
  const [own, setOwn] = useState<WindowId>('1h');
  const windowId = controlled ?? own;
  const setWindowId = onWindow ?? setOwn;
  const win = WINDOWS.find((w) => w.id === windowId)!;
  // Windows past an hour read a day or more of raw telemetry: they refresh at the dashboards' pace, not every 5 s.
  const refreshMs = win.ms > 60 * 60_000 ? DASHBOARD_REFRESH_MS : TRAFFIC_REFRESH_MS;
  const now = useNow(refreshMs);
  // A new `since` every tick is a new query; the previous answer stays on screen until it arrives.
  const summary = useQuery({
    ...trpc.telemetry.summary.queryOptions({ service, environment, since: new Date(now - win.ms), includeShadow: true }),
    placeholderData: keepPreviousData,
    gcTime: 30_000,
  });
  const data = summary.data;
  const live = data?.releases.filter((r) => !r.shadow) ?? [];
  const liveRequests = live.reduce((n, r) => n + r.requests, 0);
  const rows = data ? [...live, ...data.releases.filter((r) => r.shadow)] : [];

  return (
    <Card role="region" aria-label="Traffic">
      <CardHeader
        title="Traffic"
        description={
          liveRequests
            ? `${liveRequests.toLocaleString('en')} request${liveRequests === 1 ? '' : 's'} through the gateway in the ${win.phrase}, per release. Updates every ${refreshMs / 1000} s.`
            : `Gateway requests per release in the ${win.phrase}. Updates every ${refreshMs / 1000} s.`
        }
        actions={
          <Segmented label="Window" options={WINDOWS} value={windowId} onChange={setWindowId} />
        }
      />
      {note ? <p className="border-b border-border px-5 py-2 text-xs text-muted-fg">{note}</p> : null}
      {summary.isLoading ? <Loading /> : null}
      <LoadError error={summary.error} />
      {data && !rows.length ? (
        <div className="px-5 py-6 text-sm text-muted-fg">
          <p className="font-medium text-fg">No requests in the {win.phrase}.</p>
          <p className="mt-1">
            Applications reach this environment at <code className="rounded bg-muted px-1 font-mono text-xs break-all">{gatewayBaseUrl(origin, service, environment)}</code> with a gateway key from the{' '}
            <Link href={`/services/${service}`} className="text-primary hover:underline">
              {service} page
            </Link>
            ; their requests appear here within seconds.
          </p>
        </div>
      ) : null}
      {rows.length ? (
        <>
          <Table aria-label="Traffic per release">
            <THead>
              <tr>
                <TH>Release</TH>
                <TH className="text-right whitespace-nowrap">Requests</TH>
                <TH className="text-right whitespace-nowrap">Error rate</TH>
                <TH className="text-right whitespace-nowrap">Fallbacks</TH>
                <TH className="text-right whitespace-nowrap">p50</TH>
                <TH className="text-right whitespace-nowrap">p95</TH>
                <TH className="text-right whitespace-nowrap">Tokens in / out</TH>
                <TH className="text-right whitespace-nowrap">Cost</TH>
                <TH className="text-right whitespace-nowrap">Feedback</TH>
              </tr>
            </THead>
            <TBody>
              {rows.map((r) => (
                <TrafficRow key={`${r.releaseNumber ?? 'none'}-${r.shadow}`} service={service} row={r} slos={slos} />
              ))}
            </TBody>
          </Table>
          {data && data.feedback.count ? (
            <p className="border-t border-border px-5 py-3 text-xs text-muted-fg">
              All feedback in the {win.phrase}: {data.feedback.count.toLocaleString('en')} rating{data.feedback.count === 1 ? '' : 's'}, mean {formatScore(data.feedback.meanScore)} (scores run from −1 to 1).
            </p>
          ) : null}
        </>
      ) : null}
    </Card>
  );
}

function TrafficRow({ service, row: r, slos }: { service: string; row: Row; slos: Slos }) {
  const errorRate = r.requests ? r.errors / r.requests : 0;
  const costPerRequest = r.requests ? r.costUsd / r.requests : 0;
  const over = (value: number, limit: number | null) => !r.shadow && limit !== null && value > limit;
  return (
    <TR>
      <TD className="whitespace-nowrap">
        {r.releaseNumber === null ? (
          <span className="text-muted-fg" title="Requests recorded without a release">
            no release
          </span>
        ) : (
          <Link href={`/releases/${service}/${r.releaseNumber}`} className="font-medium text-primary hover:underline">
            {service}#{r.releaseNumber}
          </Link>
        )}{' '}
        {r.shadow ? <Badge tone="info">shadow</Badge> : null}
      </TD>
      <TD className="text-right tabular-nums">{r.requests.toLocaleString('en')}</TD>
      <TD className={cn('text-right tabular-nums whitespace-nowrap', over(errorRate, slos.maxErrorRate) && 'font-medium text-danger')} title={`${r.errors} failed`}>
        {formatPercent(errorRate)}
        {r.errors ? <span className="ml-1 text-xs text-muted-fg">({r.errors.toLocaleString('en')})</span> : null}
      </TD>
      <TD className={cn('text-right tabular-nums', r.fallbacks ? 'text-warning' : 'text-muted-fg')}>{r.fallbacks.toLocaleString('en')}</TD>
      <TD className="text-right tabular-nums whitespace-nowrap">{formatMs(r.p50LatencyMs)}</TD>
      <TD className={cn('text-right tabular-nums whitespace-nowrap', over(r.p95LatencyMs, slos.p95LatencyMs) && 'font-medium text-danger')}>{formatMs(r.p95LatencyMs)}</TD>
      <TD className="text-right tabular-nums whitespace-nowrap">
        {r.inputTokens.toLocaleString('en')} / {r.outputTokens.toLocaleString('en')}
      </TD>
      <TD className="text-right tabular-nums whitespace-nowrap">
        {formatUsd(r.costUsd)}
        <div className={cn('text-xs text-muted-fg', over(costPerRequest, slos.maxCostPerRequestUsd) && 'font-medium text-danger')}>{formatUsd(costPerRequest)} / req</div>
      </TD>
      <TD className="text-right tabular-nums whitespace-nowrap">
        {r.shadow ? (
          <span className="text-muted-fg">—</span>
        ) : r.feedback.count ? (
          <>
            {formatScore(r.feedback.meanScore)}
            <div className="text-xs text-muted-fg">
              {r.feedback.count.toLocaleString('en')} rating{r.feedback.count === 1 ? '' : 's'}
            </div>
          </>
        ) : (
          <span className="text-muted-fg">none</span>
        )}
      </TD>
    </TR>
  );
}
