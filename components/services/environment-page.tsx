'use client';
// One environment of a service: what it runs now, the deploy form, its gateway traffic, "what ran at…", the
// history with restore, and its settings.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { formatTime } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
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

export function EnvironmentPage({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const env = useQuery(trpc.environments.get.queryOptions({ service, environment }));
  const e = env.data;
  const restoreBlocked = useDeployBlock(environment, e?.protection.requiredApprovals ?? 0);
  // A change here shows on the service page and lists too, so refresh everything about services.
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.environments.pathKey() }), qc.invalidateQueries({ queryKey: trpc.services.pathKey() })]);

  return (
    <>
      <Breadcrumbs items={[{ href: '/services', label: 'Services' }, { href: `/services/${service}`, label: service }, { label: environment }]} />
      <PageHeader title={`${service} / ${environment}`} description={e ? `${describeProtection(e.protection)} · ${describeRollout(e.rollout)}` : undefined} />
      {env.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={env.error} className="px-0" />
      {e ? (
        <div className="grid gap-6">
          <div className="grid gap-6 lg:grid-cols-2">
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
                    <Badge>{e.current.kind}</Badge> {formatTime(e.current.at)} by {e.current.actorLabel}
                    {e.current.reason ? ` — “${e.current.reason}”` : ''}
                  </p>
                </>
              ) : (
                <div className="px-5 py-6 text-sm text-muted-fg">
                  <RouteList service={service} routes={[]} />
                </div>
              )}
            </Card>
            <DeployForm service={service} environment={environment} requiredApprovals={e.protection.requiredApprovals} current={e.current?.routes ?? []} onDone={refresh} />
          </div>
          <TrafficCard service={service} environment={environment} slos={e.slos} />
          <StateAt service={service} environment={environment} />
          <EnvironmentHistory service={service} environment={environment} restoreBlocked={restoreBlocked} onRestored={refresh} />
          <EnvironmentSettings service={service} environment={environment} protection={e.protection} slos={e.slos} rollout={e.rollout} gateway={e.gateway} onSaved={refresh} />
        </div>
      ) : null}
    </>
  );
}
