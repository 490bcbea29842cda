'use client';
// One environment of a service: the rollout under way (live) with Promote and Roll back, what it runs now, the
// deploy form, its gateway traffic, its rollouts, "what ran at…", the history with restore, and its settings.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { formatTime } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
import { LiveRollout } from '@/components/rollouts/live-rollout';
import { PromoteDialog } from '@/components/rollouts/promote-dialog';
import { RollbackDialog } from '@/components/rollouts/rollback-dialog';
import { RolloutHistory } from '@/components/rollouts/rollout-history';
import { isActiveRollout } from '@/components/rollouts/status';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import Link from 'next/link';
import { DeployForm, useDeployBlock } from './deploy-form';
import { EnvironmentHistory, StateAt } from './environment-history';
import { EnvironmentSettings } from './environment-settings';
import { describeProtection, describeRollout } from './environment-text';
import { TrafficCard } from './traffic-card';
import { SamplesCard } from '@/components/evals/datasets/samples-card';

/** How often the live view looks at a rollout under way, and otherwise for one started elsewhere. */
const LIVE_MS = 1000;
const IDLE_MS = 15_000;
/** How often the routing table is read again, so the deploy form follows changes made elsewhere. */
const TABLE_MS = 5000;

export function EnvironmentPage({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
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
        <div className="grid grid-cols-1 gap-6">
          <LoadError error={live.error} className="px-0" />
          {rollout ? <LiveRollout service={service} environment={environment} rollout={rollout} routes={e.current?.routes ?? []} current={e.current} controlBlocked={restoreBlocked} /> : null}
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <Card>
              <CardHeader title="Current routing" description="Which releases get which share of traffic right now." />
              {e.current?.routes.length ? (
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
                      {e.current.routes.map((r) => (
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
                    <Badge>{e.current.kind}</Badge> {e.current.bypassReason ? <Badge tone="danger">bypass</Badge> : null} {formatTime(e.current.at)} by {e.current.actorLabel}
                    {e.current.reason ? ` — “${e.current.reason}”` : ''}
                    {e.current.bypassReason ? ` — bypass: “${e.current.bypassReason}”` : ''}
                  </p>
                </>
              ) : (
                <div className="px-5 py-6 text-sm text-muted-fg">
                  <RouteList service={service} routes={[]} />
                </div>
              )}
            </Card>
            <DeployForm
              service={service}
              environment={environment}
              requiredApprovals={e.protection.requiredApprovals}
              current={e.current}
              activeRollout={activeRollout ? { number: activeRollout.number, status: activeRollout.status } : null}
              onDone={refresh}
            />
          </div>
          <TrafficCard service={service} environment={environment} slos={e.slos} />
          <SamplesCard service={service} environment={environment} />
          <RolloutHistory service={service} environment={environment} />
          <StateAt service={service} environment={environment} />
          <EnvironmentHistory service={service} environment={environment} restoreBlocked={restoreBlocked} onRestored={refresh} rolloutNumbers={rolloutNumbers} />
          <EnvironmentSettings service={service} environment={environment} protection={e.protection} slos={e.slos} rollout={e.rollout} gateway={e.gateway} onSaved={refresh} />
        </div>
      ) : null}
    </>
  );
}
