'use client';
// The page of one load test, under its environment.
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { PageHeader } from '@/components/ui/card';
import { LoadTestDetail } from './load-test-detail';

export function LoadTestPage({ service, environment, id }: { service: string; environment: string; id: string }) {
  return (
    <>
      <Breadcrumbs
        items={[
          { href: '/services', label: 'Services' },
          { href: `/services/${service}`, label: service },
          { href: `/services/${service}/environments/${environment}?tab=checks`, label: environment },
          { label: 'Load test' },
        ]}
      />
      <PageHeader title={`Load test in ${service} / ${environment}`} description="A fixed rate through this environment’s gateway to the candidate, pinned, taking turns with the release it serves." />
      <LoadTestDetail id={id} />
    </>
  );
}
