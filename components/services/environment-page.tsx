'use client';
// One environment of a service, in tabs with their own URLs (`?tab=`): the overview (the rollout under way or the
// latest, what it runs now, the deploy form, charts and traffic over the page's range, recent changes), drift
// reports, the other production checks (online quality, smoke tests, trigger events), its rollouts, its history
// with restore and "what ran at…", and its settings (with the production checks). Promote and Roll back head every
// tab.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { AlertRulesEditor } from '@/components/alerts/rules-editor';
import { ChecksSettings } from '@/components/checks/checks-settings';
import { ChecksTab } from '@/components/checks/checks-tab';
import { DriftPanel } from '@/components/checks/drift-panel';
import { formatTime } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
import { LiveRollout } from '@/components/rollouts/live-rollout';
import { PromoteDialog } from '@/components/rollouts/promote-dialog';
import { RollbackDialog } from '@/components/rollouts/rollback-dialog';
import { RolloutHistory } from '@/components/rollouts/rollout-history';
import { isActiveRollout } from '@/components/rollouts/status';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import Link from 'next/link';
import { DeployForm, useDeployBlock } from './deploy-form';
import { EnvironmentHistory, StateAt } from './environment-history';
import { ContainersPanel } from './containers-panel';
import { EnvironmentSettings } from './environment-settings';
import { describeProtection, describeRollout } from './environment-text';
import { TrafficCard } from './traffic-card';
import { SamplesCard } from '@/components/evals/datasets/samples-card';
import { EnvironmentCharts } from '@/components/monitoring/environment-charts';
import { RangePicker, useRange } from '@/components/monitoring/range-picker';
import { TabLinks } from '@/components/ui/tabs';
import { ENVIRONMENT_TABS, type EnvironmentTab } from './environment-tabs';
import type { WindowId } from './traffic-card';

/** How often the live view looks at a rollout under way, and otherwise for one started elsewhere. */
const LIVE_MS = 1000;
const IDLE_MS = 15_000;
/** How often the routing table is read again, so the deploy form follows changes made elsewhere. */
const TABLE_MS = 5000;

const TAB_LABELS: Record<EnvironmentTab, string> = { overview: 'Overview', drift: 'Drift', checks: 'Checks', rollouts: 'Rollouts', containers: 'Containers', history: 'History', settings: 'Settings' };

export function EnvironmentPage({ service, environment, tab }: { service: string; environment: string; tab: EnvironmentTab }) {
  const trpc = useTRPC();
  const params = useSearchParams();
  const pathname = usePathname();
  const [range, setRange] = useRange();
  // The traffic table's 15 min window has no chart range of its own; every other window is the page's range.
  const [shortWindow, setShortWindow] = useState(false);
  const tableWindow: WindowId = shortWindow ? '15m' : 'range' in range ? range.range : '24h';
  const onTableWindow = (id: WindowId) => {
    setShortWindow(id === '15m');
    if (id !== '15m') setRange({ range: id });
  };
  // Tabs keep the other parameters (the range), so going back and forth keeps the view.
  const tabHref = (t: EnvironmentTab) => {
    const next = new URLSearchParams(params?.toString());
    // A drift report opened on the Drift tab belongs to that tab only.
    next.delete('report');
    if (t === 'overview') next.delete('tab');
    else next.set('tab', t);
    const q = next.toString();
    return q ? `${pathname}?${q}` : pathname;
  };
  const qc = useQueryClient();
  const env = useQuery(trpc.environments.get.queryOptions({ service, environment }, { refetchInterval: TABLE_MS }));
  const e = env.data;
  const restoreBlocked = useDeployBlock(environment, e?.protection.requiredApprovals ?? 0);
  const live = useQuery(trpc.rollouts.current.queryOptions({ service, environment }, { refetchInterval: (q) => (q.state.data?.active ? LIVE_MS : IDLE_MS) }));
  const rollouts = useQuery(trpc.rollouts.list.queryOptions({ service, environment, limit: 25 }));
  const rollout = live.data?.rollout ?? null;
  // A change here shows on the service page and lists too, so refresh everything about services.
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.environments.pathKey() }), qc.invalidateQueries({ queryKey: trpc.services.pathKey() }), qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() })]);

  // Each step or status change of the rollout moves traffic or ends it: what runs, the history and the list of
  // rollouts are read again then (not on the first answer, which came with the page).
  const marker = rollout ? `${rollout.id}:${rollout.status}:${rollout.stepIndex}:${rollout.weight}` : '';
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (!live.isSuccess) return;
    if (seen.current !== null && seen.current !== marker) {
      void qc.invalidateQueries({ queryKey: trpc.environments.pathKey() });
      void qc.invalidateQueries({ queryKey: trpc.rollouts.list.pathKey() });
      void qc.invalidateQueries({ queryKey: trpc.services.pathKey() });
    }
    seen.current = marker;
  }, [marker, live.isSuccess, qc, trpc]);
  // A change of the routing table made elsewhere (seen by the regular read of the environment) shows in the
  // history, the rollouts and the live card too.
  const currentId = e?.current?.id ?? null;
  const seenEntry = useRef<number | null | undefined>(undefined);
  useEffect(() => {
    if (!env.isSuccess) return;
    if (seenEntry.current !== undefined && seenEntry.current !== currentId) {
      void qc.invalidateQueries({ queryKey: trpc.environments.history.pathKey() });
      void qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() });
    }
    seenEntry.current = currentId;
  }, [currentId, env.isSuccess, qc, trpc]);
  const rolloutNumbers = new Map((rollouts.data ?? []).map((r) => [r.id, r.number]));
  const activeRollout = rollout && isActiveRollout(rollout.status) ? rollout : null;

  return (
    <>
      <Breadcrumbs items={[{ href: '/services', label: 'Services' }, { href: `/services/${service}`, label: service }, { label: environment }]} />
      <PageHeader
        title={`${service} / ${environment}`}
        description={e ? `${describeProtection(e.protection)} · ${describeRollout(e.rollout)}` : undefined}
        actions={
          e ? (
            <div className="flex flex-wrap gap-2">
              <PromoteDialog service={service} environment={environment} current={e.current?.routes ?? []} />
              <RollbackDialog
                service={service}
                environment={environment}
                current={e.current?.routes ?? []}
                active={activeRollout ? { number: activeRollout.number, stepIndex: activeRollout.stepIndex, baseline: activeRollout.baseline } : null}
              />
            </div>
          ) : null
        }
      />
      {env.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={env.error} className="px-0" />
      {e ? (
        <>
          <TabLinks label="Environment" items={ENVIRONMENT_TABS.map((t) => ({ href: tabHref(t), label: TAB_LABELS[t], current: t === tab }))} />
          <div className="grid grid-cols-1 gap-6 *:min-w-0">
            <LoadError error={live.error} className="px-0" />
            {tab === 'overview' ? (
              <>
                {rollout ? <LiveRollout service={service} environment={environment} rollout={rollout} routes={e.current?.routes ?? []} current={e.current} controlBlocked={restoreBlocked} /> : null}
                <div className="grid grid-cols-1 gap-6 *:min-w-0 lg:grid-cols-2">
                  <CurrentRouting service={service} current={e.current} />
                  <DeployForm
                    service={service}
                    environment={environment}
                    requiredApprovals={e.protection.requiredApprovals}
                    current={e.current}
                    activeRollout={activeRollout ? { number: activeRollout.number, status: activeRollout.status } : null}
                    onDone={refresh}
                  />
                </div>
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <h2 className="text-base font-semibold">Traffic and charts</h2>
                  <RangePicker value={range} onChange={(r) => (setShortWindow(false), setRange(r))} />
                </div>
                <EnvironmentCharts service={service} environment={environment} range={range} slos={e.slos} />
                <TrafficCard
                  service={service}
                  environment={environment}
                  slos={e.slos}
                  window={tableWindow}
                  onWindow={onTableWindow}
                  note={'range' in range ? undefined : 'The table covers the last 24 hours; the charts cover the custom range.'}
                />
                <SamplesCard service={service} environment={environment} />
                <EnvironmentHistory service={service} environment={environment} restoreBlocked={restoreBlocked} onRestored={refresh} rolloutNumbers={rolloutNumbers} recent={{ limit: 5, allHref: tabHref('history') }} />
              </>
            ) : null}
            {tab === 'drift' ? <DriftPanel service={service} environment={environment} /> : null}
            {tab === 'checks' ? <ChecksTab service={service} environment={environment} /> : null}
            {tab === 'rollouts' ? <RolloutHistory service={service} environment={environment} /> : null}
            {tab === 'containers' ? <ContainersPanel service={service} environment={environment} /> : null}
            {tab === 'history' ? (
              <>
                <StateAt service={service} environment={environment} />
                <EnvironmentHistory service={service} environment={environment} restoreBlocked={restoreBlocked} onRestored={refresh} rolloutNumbers={rolloutNumbers} />
              </>
            ) : null}
            {tab === 'settings' ? (
              <>
                <EnvironmentSettings service={service} environment={environment} protection={e.protection} slos={e.slos} rollout={e.rollout} gateway={e.gateway} runtime={e.runtime} onSaved={refresh} />
                <ChecksSettings service={service} environment={environment} />
                <AlertRulesEditor service={service} environment={environment} />
              </>
            ) : null}
          </div>
        </>
      ) : null}
    </>
  );
}

type Current = NonNullable<RouterOutputs['environments']['get']>['current'];

function CurrentRouting({ service, current }: { service: string; current: Current }) {
  return (
    <Card>
      <CardHeader title="Current routing" description="Which releases get which share of traffic right now." />
      {current?.routes.length ? (
        <>
          <Table aria-label="Current routing">
            <THead>
              <tr>
                <TH>Release</TH>
                <TH>Weight</TH>
                <TH>Model</TH>
              </tr>
            </THead>
            <TBody>
              {current.routes.map((r) => (
                <TR key={r.releaseId}>
                  <TD>
                    <Link href={`/releases/${service}/${r.releaseNumber}`} className="font-medium text-primary hover:underline">
                      {service}#{r.releaseNumber}
                    </Link>
                  </TD>
                  <TD className="tabular-nums">{r.weight}%</TD>
                  <TD className="font-mono text-xs">{r.model ?? '—'}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
          <p className="border-t border-border px-5 py-3 text-sm text-muted-fg">
            <Badge>{current.kind}</Badge> {current.bypassReason ? <Badge tone="danger">bypass</Badge> : null} {formatTime(current.at)} by {current.actorLabel}
            {current.reason ? ` — “${current.reason}”` : ''}
            {current.bypassReason ? ` — bypass: “${current.bypassReason}”` : ''}
          </p>
        </>
      ) : (
        <div className="px-5 py-6 text-sm text-muted-fg">
          <RouteList service={service} routes={[]} />
        </div>
      )}
    </Card>
  );
}
