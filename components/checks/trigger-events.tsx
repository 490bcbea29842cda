'use client';
// Production-check triggers: for one environment, the rules in force (its own or the defaults) and the events they
// recorded; for every environment or one service, the events alone. Each event shows what fired it (a drift
// report links to the report), the release, and how its actions went: the notification, the retraining webhook
// (status, attempts, a short redacted excerpt of the answer) and the pipeline run it started.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

const REFRESH_MS = 30_000;
const LIMIT = 50;

type TriggerEvent = RouterOutputs['triggers']['events'][number];
type RuleView = RouterOutputs['triggers']['rules']['rules'][number];

const SOURCE_WORDS: Record<string, string> = { drift: 'Drift', 'online-quality': 'Online quality', feedback: 'Feedback', smoke: 'Smoke test' };
const STATE_WORDS: Record<string, string> = { none: 'no webhook', pending: 'waiting to retry', sending: 'sending', sent: 'sent', failed: 'failed' };

const envUrl = (service: string, environment: string) => `/services/${service}/environments/${environment}`;

export function TriggerEvents({ service, environment }: { service?: string; environment?: string }) {
  const one = service && environment ? { service, environment } : null;
  return (
    <div className="grid gap-6">
      {one ? <TriggerRules service={one.service} environment={one.environment} /> : null}
      <EventsTable service={service} environment={service ? environment : undefined} />
    </div>
  );
}

function ruleCondition(r: RuleView): string {
  const window = r.windowHours < 1 ? `${Math.round(r.windowHours * 60)} min` : `${r.windowHours} h`;
  switch (r.source) {
    case 'drift':
      return r.feature ? `${r.feature} drifts in a drift report` : 'a drift report shows dataset drift';
    case 'smoke':
      return 'a smoke test fails';
    case 'online-quality':
    case 'feedback': {
      const what = r.source === 'online-quality' ? 'online pass rate' : 'mean feedback';
      const fmt = (v: number) => (r.source === 'online-quality' ? `${Math.round(v * 1000) / 10}%` : String(v));
      const parts = [r.threshold !== null ? `below ${fmt(r.threshold)}` : null, r.maxDrop !== null ? `more than ${r.source === 'online-quality' ? `${Math.round(r.maxDrop * 1000) / 10} points` : r.maxDrop} below the ${window} before` : null].filter(Boolean);
      return `${what} over ${window} ${parts.join(' or ')} (at least ${r.minCount} scores)`;
    }
  }
}

function ruleActions(r: RuleView): string {
  const out = [r.actions.notify ? 'notify' : null, r.actions.webhook ? `webhook to ${r.actions.webhook.target ?? 'a URL'} (signed by ${r.actions.webhook.secret})` : null, r.actions.pipeline ? 'start the pipeline' : null].filter(Boolean);
  return out.length ? out.join(' · ') : 'record only';
}

function TriggerRules({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.triggers.rules.queryOptions({ service, environment }));
  const data = rules.data;
  return (
    <Card>
      <CardHeader
        title="Trigger rules"
        description={
          <>
            {data?.isDefault ? 'The default rules: notify on dataset drift, a failed smoke test and a feedback drop.' : 'This environment’s own rules.'} Edit them under{' '}
            <Link href={`${envUrl(service, environment)}?tab=settings`} className="text-primary hover:underline">
              Settings → Production checks
            </Link>
            .
          </>
        }
      />
      {rules.isLoading ? <Loading /> : null}
      <LoadError error={rules.error} />
      {data && !data.rules.length ? <Empty>No trigger rules: nothing fires.</Empty> : null}
      {data?.rules.length ? (
        <Table aria-label={`Trigger rules of ${service}/${environment}`}>
          <THead>
            <tr>
              <TH>Rule</TH>
              <TH>Fires when</TH>
              <TH>Actions</TH>
              <TH>Last fired</TH>
            </tr>
          </THead>
          <TBody>
            {data.rules.map((r) => (
              <TR key={r.id}>
                <TD className="whitespace-nowrap">
                  <span className="font-medium">{r.id}</span>
                  <div className="mt-0.5 flex gap-1.5 text-xs text-muted-fg">
                    {SOURCE_WORDS[r.source] ?? r.source}
                    {r.enabled ? null : <Badge>off</Badge>}
                  </div>
                </TD>
                <TD className="min-w-56 text-sm">{ruleCondition(r)}</TD>
                <TD className="min-w-48 text-sm">{ruleActions(r)}</TD>
                <TD className="text-sm whitespace-nowrap">{r.lastEvent ? <span title={r.lastEvent.summary}>{relativeTime(r.lastEvent.at)}</span> : <span className="text-muted-fg">never</span>}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}

function EventsTable({ service, environment }: { service?: string; environment?: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.triggers.events.queryOptions({ service, environment, limit: LIMIT }, { refetchInterval: REFRESH_MS }));
  const rows = list.data ?? [];
  const where = service ? `${service}${environment ? `/${environment}` : ''}` : 'every environment';
  return (
    <Card>
      <CardHeader title="Trigger events" description={`What drift, online quality, feedback and smoke tests fired in ${where}, and what each event did.`} />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.isSuccess && !rows.length ? <Empty>No trigger has fired yet.</Empty> : null}
      {rows.length ? (
        <Table aria-label={`Trigger events of ${where}`}>
          <THead>
            <tr>
              <TH>Event</TH>
              <TH>When</TH>
              <TH>What crossed the rule</TH>
              <TH>Actions</TH>
            </tr>
          </THead>
          <TBody>
            {rows.map((e) => (
              <EventRow key={e.id} event={e} />
            ))}
          </TBody>
        </Table>
      ) : null}
      {rows.length >= LIMIT ? <p className="border-t border-border px-5 py-3 text-sm text-muted-fg">The latest {LIMIT} events are shown; narrow to one environment for its own.</p> : null}
    </Card>
  );
}

function stateTone(state: string): 'success' | 'danger' | 'warning' | 'neutral' {
  return state === 'sent' ? 'success' : state === 'failed' ? 'danger' : state === 'pending' || state === 'sending' ? 'warning' : 'neutral';
}

function EventRow({ event: e }: { event: TriggerEvent }) {
  const detail = e.reportId ? `${envUrl(e.service, e.environment)}?tab=drift&report=${e.reportId}` : `${envUrl(e.service, e.environment)}?tab=checks`;
  return (
    <TR>
      <TD className="min-w-48">
        <div className="flex flex-wrap items-center gap-2 whitespace-nowrap">
          <Badge tone="warning">{SOURCE_WORDS[e.source] ?? e.source}</Badge>
          <span className="font-medium">{e.ruleId}</span>
        </div>
        <div className="mt-0.5 text-xs text-muted-fg">
          <Link href={envUrl(e.service, e.environment)} className="text-primary hover:underline">
            {e.service}/{e.environment}
          </Link>
          {e.releaseNumber !== null ? ` · release #${e.releaseNumber}` : null}
        </div>
      </TD>
      <TD className="whitespace-nowrap">
        {formatTime(e.at)}
        <div className="text-xs text-muted-fg">{relativeTime(e.at)}</div>
      </TD>
      <TD className="min-w-72 text-sm">
        {e.summary}
        <div className="mt-0.5 text-xs">
          <Link href={detail} className="text-primary hover:underline">
            {e.reportId ? 'Open the drift report' : 'Open the checks'}
          </Link>
        </div>
      </TD>
      <TD className="min-w-56 text-sm">
        <ul className="grid gap-1">
          <li>
            Notify: <Badge tone={stateTone(e.notify.state)}>{e.notify.state === 'none' && !e.notify.error ? 'off' : (STATE_WORDS[e.notify.state] ?? e.notify.state)}</Badge>
            {e.notify.error && e.notify.state !== 'sent' ? <div className="text-xs text-muted-fg">{e.notify.error}</div> : null}
          </li>
          {e.webhook ? (
            <li>
              Webhook: <Badge tone={stateTone(e.webhook.state)}>{STATE_WORDS[e.webhook.state] ?? e.webhook.state}</Badge>
              <span className="text-xs text-muted-fg">
                {' '}
                {e.webhook.status !== null ? `HTTP ${e.webhook.status}` : null}
                {e.webhook.attempts > 1 ? ` · ${e.webhook.attempts} attempts` : null}
              </span>
              {e.webhook.error && e.webhook.state !== 'sent' ? <div className="text-xs text-danger">{e.webhook.error}</div> : null}
              {e.webhook.excerpt ? (
                <div className="max-w-72 truncate font-mono text-xs text-muted-fg" title={e.webhook.excerpt}>
                  {e.webhook.excerpt}
                </div>
              ) : null}
            </li>
          ) : null}
          {e.pipeline ? (
            <li>
              Pipeline:{' '}
              {e.pipeline.runNumber !== null ? (
                <Link href={`/pipelines/${e.service}/runs/${e.pipeline.runNumber}`} className="text-primary hover:underline">
                  run {e.pipeline.runNumber}
                </Link>
              ) : (
                <span className="text-xs text-danger">{e.pipeline.error ?? 'not started'}</span>
              )}
            </li>
          ) : null}
        </ul>
      </TD>
    </TR>
  );
}
