'use client';
// The Alerts page: SLO alerts firing now and those that ended, for every environment or one service or
// environment, each with its peak, the figures of its two windows when it fired, its notifications, and an
// Acknowledge button while it fires.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorAlert } from '@/components/errors';
import { formatDuration, formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { TabLinks } from '@/components/ui/tabs';
import { useCan } from '@/components/viewer';
import { TriggerEvents } from '@/components/checks/trigger-events';
import { AlertRulesEditor } from './rules-editor';
import { formatMeasure, OBJECTIVE_WORDS } from '@/server/services/alerts/words';

const REFRESH_MS = 15_000;
type Alert = RouterOutputs['alerts']['list'][number];
type Scope = { service?: string; environment?: string };

const burn = (b: number | null) => (b === null ? '—' : `${b >= 100 ? Math.round(b) : b.toFixed(1)}×`);

function query(scope: Scope, extra: Record<string, string>) {
  const q = new URLSearchParams({ ...(scope.service ? { service: scope.service } : {}), ...(scope.environment ? { environment: scope.environment } : {}), ...extra });
  const s = q.toString();
  return s ? `/alerts?${s}` : '/alerts';
}

export function AlertsPage({ scope, tab }: { scope: Scope; tab: 'firing' | 'all' }) {
  const where = scope.service ? `${scope.service}${scope.environment ? `/${scope.environment}` : ''}` : null;
  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          <>
            SLO alerts of {where ? <span className="font-medium text-fg">{where}</span> : 'every environment'}: an alert fires when a long and a short window both burn the error budget
            faster than its rule allows, and resolves once they do not. Each environment has its own rules (open an environment's alerts to edit them).
            {where ? (
              <>
                {' '}
                {scope.environment ? (
                  <>
                    <Link href={`/services/${scope.service}/environments/${scope.environment}`} className="text-primary hover:underline">
                      Open {where}
                    </Link>
                    {' · '}
                  </>
                ) : null}
                <Link href="/alerts" className="text-primary hover:underline">
                  Every environment
                </Link>
              </>
            ) : null}
          </>
        }
      />
      <TabLinks
        label="Alerts"
        items={[
          { href: query(scope, {}), label: 'Firing now', current: tab === 'firing' },
          { href: query(scope, { status: 'all' }), label: 'History', current: tab === 'all' },
        ]}
      />
      <AlertsTable scope={scope} status={tab} />
      {scope.service && scope.environment ? (
        <div className="mt-6">
          <AlertRulesEditor service={scope.service} environment={scope.environment} />
        </div>
      ) : null}
      <section className="mt-10" aria-labelledby="production-checks-heading">
        <h2 id="production-checks-heading" className="text-lg font-semibold tracking-tight">
          Production checks
        </h2>
        <p className="mt-1 mb-4 max-w-3xl text-sm text-muted-fg">
          Drift reports, online quality, user feedback and smoke tests fire trigger rules: each firing is recorded once per report, run or window, notifies the environment&apos;s webhook, and
          may call a signed retraining webhook or start the service&apos;s pipeline.
        </p>
        <TriggerEvents service={scope.service} environment={scope.environment} />
      </section>
    </>
  );
}

const HISTORY_LIMIT = 100;

function AlertsTable({ scope, status }: { scope: Scope; status: 'firing' | 'all' }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.alerts.list.queryOptions({ ...scope, status, limit: HISTORY_LIMIT }, { refetchInterval: REFRESH_MS }));
  const rows = list.data ?? [];
  return (
    <Card>
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.isSuccess && !rows.length ? <Empty>{status === 'firing' ? 'Nothing is firing: every objective is within its budget.' : 'No alert has fired yet.'}</Empty> : null}
      {rows.length ? (
        <Table aria-label={status === 'firing' ? 'Alerts firing now' : 'Alert history'}>
          <THead>
            <tr>
              <TH>Alert</TH>
              <TH>When</TH>
              <TH>Peak</TH>
              <TH>Windows when it fired</TH>
              <TH>Notifications</TH>
              {/* Positioned, so the hidden label stays inside the scrolling table instead of widening the page. */}
              <TH className="relative">
                <span className="sr-only">Actions</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {rows.map((a) => (
              <AlertRow key={a.id} alert={a} />
            ))}
          </TBody>
        </Table>
      ) : null}
      {rows.length >= HISTORY_LIMIT ? (
        <p className="border-t border-border px-5 py-3 text-sm text-muted-fg">The latest {HISTORY_LIMIT} alerts are shown; narrow to one environment for its own history.</p>
      ) : null}
    </Card>
  );
}

const NOTICE_WORDS: Record<string, string> = { pending: 'waiting', sending: 'sending', sent: 'sent', failed: 'failed', none: 'no webhook' };

function AlertRow({ alert: a }: { alert: Alert }) {
  const start = a.figures.start;
  return (
    <TR>
      <TD className="min-w-56">
        <div className="flex flex-wrap items-center gap-2 whitespace-nowrap">
          <Badge tone={a.status === 'firing' ? (a.severity === 'page' ? 'danger' : 'warning') : 'neutral'}>{a.status === 'firing' ? `${a.severity} · firing` : `${a.severity} · resolved`}</Badge>
          <span className="font-medium">{OBJECTIVE_WORDS[a.objective]}</span>
        </div>
        <div className="mt-0.5 text-xs text-muted-fg">
          <Link href={query({ service: a.service, environment: a.environment }, { status: 'all' })} className="text-primary hover:underline" title={`Alerts and alert rules of ${a.service}/${a.environment}`}>
            {a.service}/{a.environment}
          </Link>{' '}
          · objective {formatMeasure(a.objective, a.objectiveValue)}
        </div>
      </TD>
      <TD className="whitespace-nowrap">
        {formatTime(a.startedAt)}
        <div className="text-xs text-muted-fg">{a.endedAt ? `lasted ${formatDuration(a.endedAt.getTime() - a.startedAt.getTime())}` : `firing for ${relativeTime(a.startedAt).replace(' ago', '')}`}</div>
      </TD>
      <TD className="whitespace-nowrap tabular-nums">
        {burn(a.peakBurnRate)}
        <div className="text-xs text-muted-fg">{formatMeasure(a.objective, a.peakValue)}</div>
      </TD>
      <TD className="text-sm whitespace-nowrap tabular-nums">
        <div>
          {a.rule.longWindowMinutes} min: {burn(start.long.burnRate)} ({formatMeasure(a.objective, start.long.value)} of {start.long.events.toLocaleString('en')})
        </div>
        <div>
          {a.rule.shortWindowMinutes} min: {burn(start.short.burnRate)} ({formatMeasure(a.objective, start.short.value)} of {start.short.events.toLocaleString('en')})
        </div>
        <div className="text-xs text-muted-fg">fires above {a.rule.burnRate}×</div>
      </TD>
      <TD className="text-sm whitespace-nowrap">
        fired: {NOTICE_WORDS[a.notices.fire] ?? a.notices.fire}
        {a.notices.resolve ? <div>resolved: {NOTICE_WORDS[a.notices.resolve] ?? a.notices.resolve}</div> : null}
        {a.notices.error && (a.notices.fire === 'failed' || a.notices.resolve === 'failed') ? <div className="max-w-48 text-xs whitespace-normal text-danger">{a.notices.error}</div> : null}
      </TD>
      <TD className="text-right">
        <Acknowledge alert={a} />
      </TD>
    </TR>
  );
}

function Acknowledge({ alert: a }: { alert: Alert }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canAck = useCan('environments:deploy');
  const ack = useMutation(trpc.alerts.acknowledge.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.alerts.list.pathKey() }) }));
  if (a.acknowledgedBy) return <span className="text-xs whitespace-nowrap text-muted-fg">Acknowledged by {a.acknowledgedBy}</span>;
  if (a.status !== 'firing' || !canAck) return null;
  return (
    <div className="grid justify-items-end gap-1">
      <Button size="sm" variant="secondary" disabled={ack.isPending} onClick={() => ack.mutate({ id: a.id })} aria-label={`Acknowledge the ${OBJECTIVE_WORDS[a.objective].toLowerCase()} ${a.severity} of ${a.service}/${a.environment}`}>
        Acknowledge
      </Button>
      <ErrorAlert error={ack.error} />
    </div>
  );
}
