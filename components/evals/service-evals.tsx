'use client';
// A service's Evals section: its suites (each opening on its editor), its datasets and its runs, as tabs with
// their own URLs.
import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { DatasetsPanel } from '@/components/evals/datasets/datasets-panel';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { TabLinks } from '@/components/ui/tabs';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import { RunEvalDialog } from './run-eval-dialog';
import { EvalRunsTable } from './runs-list';
import { EvalStatusBadge, pct, VerdictBadge } from './status';
import { EVAL_TABS, type EvalTab } from './tabs';


/** The server's rule for names (slugSchema). */
const SUITE_NAME = /^(?=.{2,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** `release`: open the Run eval dialog on that candidate (the link from a release page). */
export function ServiceEvals({ service, tab, release }: { service: string; tab: EvalTab; release?: number }) {
  const canRun = useCan('evals:run');
  return (
    <>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <TabLinks
          label="Evals"
          items={EVAL_TABS.map((t) => ({ href: `/evals/${service}?tab=${t}`, label: t[0]!.toUpperCase() + t.slice(1), current: t === tab }))}
        />
        {canRun ? (
          <div className="mb-4">
            <RunEvalDialog service={service} release={release} openAtStart={release !== undefined} />
          </div>
        ) : null}
      </div>
      {tab === 'suites' ? <SuitesCard service={service} /> : null}
      {tab === 'datasets' ? <DatasetsPanel service={service} /> : null}
      {tab === 'runs' ? (
        <Card role="region" aria-label="Runs">
          <CardHeader title="Runs" description="Every eval run of this service, newest first." />
          <EvalRunsTable service={service} />
        </Card>
      ) : null}
    </>
  );
}

function NewSuiteForm({ service }: { service: string }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const valid = SUITE_NAME.test(name);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (valid) router.push(`/evals/${service}/suites/${name}`);
  }
  return (
    <form onSubmit={onSubmit} aria-label="New suite" className="flex flex-wrap items-center gap-2">
      <Input aria-label="New suite name" placeholder="new-suite-name" value={name} onChange={(e) => setName(e.target.value.toLowerCase())} className="w-48" title="2–63 lowercase letters, digits and single dashes" />
      <Button type="submit" variant="secondary" disabled={!valid}>
        <Plus className="h-4 w-4" aria-hidden /> New suite
      </Button>
    </form>
  );
}

/** How many recent runs the suites table looks through for each suite's latest. */
const RECENT_RUNS = 200;

function SuitesCard({ service }: { service: string }) {
  const trpc = useTRPC();
  const canWrite = useCan('evals:write');
  const suites = useQuery(trpc.evals.listSuites.queryOptions({ service }));
  const runs = useQuery(trpc.evals.listRuns.queryOptions({ service, limit: RECENT_RUNS }));
  const latest = new Map<string, NonNullable<typeof runs.data>['items'][number]>();
  for (const r of runs.data?.items ?? []) if (r.suite && !latest.has(r.suite.name)) latest.set(r.suite.name, r);
  const items = suites.data ?? [];
  return (
    <Card role="region" aria-label="Suites">
      <CardHeader title="Suites" description="A suite is a dataset version, assertions and the gate rule, versioned on every save." actions={canWrite ? <NewSuiteForm service={service} /> : null} />
      {suites.isLoading ? <Loading /> : null}
      <LoadError error={suites.error ?? runs.error} />
      {suites.data && !items.length ? <Empty>{service} has no eval suites yet{canWrite ? ': name one above to start from the template.' : '.'}</Empty> : null}
      {items.length ? (
        <div className="overflow-x-auto">
          <Table aria-label={`Suites of ${service}`}>
            <THead>
              <tr>
                <TH>Suite</TH>
                <TH>Dataset</TH>
                <TH>Environments</TH>
                <TH>Latest run</TH>
                <TH>Saved</TH>
              </tr>
            </THead>
            <TBody>
              {items.map((s) => {
                const run = latest.get(s.name);
                return (
                  <TR key={s.name}>
                    <TD>
                      <Link href={`/evals/${service}/suites/${s.name}`} className="font-medium text-primary hover:underline">
                        {s.name}
                      </Link>{' '}
                      <Badge tone="info">v{s.version}</Badge> {s.type !== 'eval' ? <Badge tone="neutral">{s.type}</Badge> : null}
                      <div className="text-xs text-muted-fg">
                        {s.type === 'eval' ? `${s.assertions} assertion${s.assertions === 1 ? '' : 's'}` : `decides the ${s.type} gate`}
                        {s.description ? ` · ${s.description}` : ''}
                      </div>
                    </TD>
                    <TD className="whitespace-nowrap">
                      {s.dataset ? (
                        <>
                          <Link href={`/evals/${service}/datasets/${s.dataset.name}`} className="hover:underline">
                            {s.dataset.name}
                          </Link>
                          <span className="text-muted-fg">@{s.dataset.version}</span>
                        </>
                      ) : (
                        <span className="text-muted-fg">built-in cases</span>
                      )}
                    </TD>
                    <TD className="text-sm">{s.environments ? s.environments.join(', ') : <span className="text-muted-fg">every one requiring {s.type}</span>}</TD>
                    <TD>
                      {run ? (
                        <span className="flex flex-wrap items-center gap-2">
                          <Link href={`/evals/${service}/runs/${run.number}`} className="text-primary hover:underline">
                            #{run.number}
                          </Link>
                          <EvalStatusBadge status={run.status} />
                          {run.summary ? (
                            <>
                              <span className="tabular-nums">{pct(run.summary.candidate.score)}</span>
                              <VerdictBadge passed={run.summary.verdict.passed} />
                            </>
                          ) : null}
                        </span>
                      ) : (
                        <span className="text-muted-fg">never run</span>
                      )}
                    </TD>
                    <TD className="whitespace-nowrap text-muted-fg">{formatTime(s.updatedAt)}</TD>
                  </TR>
                );
              })}
            </TBody>
          </Table>
        </div>
      ) : null}
    </Card>
  );
}
