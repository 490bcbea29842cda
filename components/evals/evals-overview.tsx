'use client';
// The Evals section's front page: every service with its suites and the verdicts of its latest runs.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime } from '@/components/format';
import { useGoToOnlyService } from '@/components/registry/service-picker';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { EvalStatusBadge, pct, VerdictBadge } from './status';

const LATEST_RUNS = 3;

export function EvalsOverview() {
  const trpc = useTRPC();
  const services = useQuery(trpc.services.list.queryOptions({}));
  // With one service there is nothing to choose between: its own Evals page is the front page.
  useGoToOnlyService(null, (service) => `/evals/${service}`);
  if (services.isLoading) return <Loading className="px-0" />;
  if (services.error) return <LoadError error={services.error} className="px-0" />;
  if (!services.data?.length) return <Empty className="px-0">No services yet.</Empty>;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {services.data.map((s) => (
        <ServiceCard key={s.id} service={s.name} description={s.description} />
      ))}
    </div>
  );
}

function ServiceCard({ service, description }: { service: string; description: string }) {
  const trpc = useTRPC();
  const suites = useQuery(trpc.evals.listSuites.queryOptions({ service }));
  const runs = useQuery(trpc.evals.listRuns.queryOptions({ service, limit: LATEST_RUNS }));
  return (
    <Card role="region" aria-label={service}>
      <CardHeader
        title={
          <Link href={`/evals/${service}`} className="text-primary hover:underline">
            {service}
          </Link>
        }
        description={description || undefined}
      />
      <div className="grid gap-4 px-5 py-4 text-sm">
        <section aria-label="Suites" className="grid gap-1">
          <h3 className="text-xs font-medium tracking-wide text-muted-fg uppercase">Suites</h3>
          <LoadError error={suites.error} className="px-0 py-0" />
          {suites.data && !suites.data.length ? <p className="text-muted-fg">None yet.</p> : null}
          {suites.data?.length ? (
            <ul className="flex flex-wrap gap-x-4 gap-y-1">
              {suites.data.map((x) => (
                <li key={x.name}>
                  <Link href={`/evals/${service}/suites/${x.name}`} className="hover:underline">
                    {x.name}
                  </Link>
                  <span className="text-muted-fg"> v{x.version}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
        <section aria-label="Latest runs" className="grid gap-1">
          <h3 className="text-xs font-medium tracking-wide text-muted-fg uppercase">Latest runs</h3>
          <LoadError error={runs.error} className="px-0 py-0" />
          {runs.data && !runs.data.items.length ? <p className="text-muted-fg">No runs yet.</p> : null}
          {runs.data?.items.length ? (
            <ul className="grid gap-1.5">
              {runs.data.items.map((r) => (
                <li key={r.number} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  <Link href={`/evals/${service}/runs/${r.number}`} className="font-medium text-primary hover:underline">
                    #{r.number}
                  </Link>
                  <span>{r.suite?.name ?? '—'}</span>
                  <span className="text-muted-fg">
                    #{r.release} vs {r.baseline ? `#${r.baseline}` : 'none'}
                  </span>
                  <EvalStatusBadge status={r.status} />
                  {r.summary ? (
                    <>
                      <span className="tabular-nums">{pct(r.summary.candidate.score)}</span>
                      <VerdictBadge passed={r.summary.verdict.passed} />
                    </>
                  ) : null}
                  <span className="text-xs text-muted-fg">{formatTime(r.createdAt)}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
    </Card>
  );
}
