'use client';
// The charts card of an environment's overview: its series over the page's range from the monitoring rollups,
// refreshed every 30 s for a preset range (a custom range is history and stays put).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import type { Slos } from '@/db/schema';
import { gatewayBaseUrl, useOrigin } from '@/components/services/gateway-text';
import { rangePhrase, type RangeInput } from './range-picker';
import { SeriesCharts } from './series-charts';

export const DASHBOARD_REFRESH_MS = 30_000;

export function EnvironmentCharts({ service, environment, range, slos }: { service: string; environment: string; range: RangeInput; slos: Slos }) {
  const trpc = useTRPC();
  const origin = useOrigin();
  const q = useQuery({
    ...trpc.monitoring.environment.queryOptions({ service, environment, ...range }),
    placeholderData: keepPreviousData,
    refetchInterval: 'range' in range ? DASHBOARD_REFRESH_MS : false,
  });
  const phrase = rangePhrase(range);
  return (
    <Card role="region" aria-label="Charts">
      <CardHeader title="Charts" description={`Gateway traffic of ${environment} ${phrase}, per release, with the deploys, rollout steps, rollbacks and alerts that explain its changes. Hover a marker or a bucket for who, what and why.`} />
      <div className="px-5 py-4">
        {q.isLoading ? <Loading className="px-0" /> : null}
        <LoadError error={q.error} className="px-0" />
        {q.data ? (
          <SeriesCharts
            series={q.data}
            slos={slos}
            empty={
              <span>
                No requests {phrase} — send traffic through the gateway:{' '}
                <code className="rounded bg-muted px-1 font-mono text-xs break-all">{gatewayBaseUrl(origin, service, environment)}</code> with a gateway key from the{' '}
                <Link href={`/services/${service}`} className="text-primary hover:underline">
                  {service} page
                </Link>
                .
              </span>
            }
          />
        ) : null}
      </div>
    </Card>
  );
}
