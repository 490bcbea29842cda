'use client';
// An environment's smoke tests: the schedule and what it sends, the next slot, the latest runs (scheduled, after a
// rollout step or a rollback, or run by hand) and the cases of one run, with Run now for those who may deploy.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '@/components/errors';
import { formatDuration, formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

const REFRESH_MS = 15_000;
type Run = RouterOutputs['smoke']['runs']['runs'][number];

const TRIGGER_WORDS: Record<Run['trigger'], string> = { schedule: 'schedule', manual: 'run by hand', 'rollout-step': 'after a rollout step', rollback: 'after a rollback' };
const STATUS_TONE = { passed: 'success', failed: 'danger', error: 'warning', running: 'info' } as const;

export function SmokeRuns({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canRun = useCan('environments:deploy');
  const list = useQuery(trpc.smoke.runs.queryOptions({ service, environment, limit: 20 }, { refetchInterval: REFRESH_MS }));
  const [chosen, setChosen] = useState<string | null>(null);
  const run = useMutation(
    trpc.smoke.run.mutationOptions({
      // The run's row is written first: the list shows it running while its calls go out.
      onMutate: () => void setTimeout(() => void qc.invalidateQueries({ queryKey: trpc.smoke.runs.pathKey() }), 1000),
      onSuccess: (r) => {
        setChosen(r.id);
        return qc.invalidateQueries({ queryKey: trpc.smoke.runs.pathKey() });
      },
    }),
  );
  const data = list.data;
  const settings = data?.settings;
  const runs = data?.runs ?? [];
  const shown = runs.find((r) => r.id === chosen) ?? runs[0] ?? null;

  const description = settings ? (
    settings.suite ? (
      <>
        {settings.cases} case{settings.cases === 1 ? '' : 's'} of suite <span className="font-medium text-fg">{settings.suite}</span> sent through the gateway to every release routed here,{' '}
        {settings.enabled ? (
          <>
            on the schedule <code className="rounded bg-muted px-1 text-xs">{settings.schedule}</code> (UTC){settings.afterRollouts ? ', after every rollout step and after a rollback' : ''}.
          </>
        ) : (
          'by hand only (scheduled runs are off).'
        )}{' '}
        Their requests are synthetic: left out of metrics, cost, alerts and analysis.
      </>
    ) : (
      'No eval suite is named for smoke tests: choose one in the production checks settings.'
    )
  ) : null;

  return (
    <Card>
      <CardHeader
        title="Smoke tests"
        description={description}
        actions={
          canRun && settings?.suite ? (
            <div className="grid justify-items-end gap-1">
              <Button size="sm" disabled={run.isPending} onClick={() => run.mutate({ service, environment })} aria-label={`Run the smoke tests of ${service}/${environment} now`}>
                {run.isPending ? 'Running…' : 'Run now'}
              </Button>
              <ErrorAlert error={run.error} />
            </div>
          ) : undefined
        }
      />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {data ? (
        <p className="border-b border-border px-5 py-3 text-sm">
          Next scheduled run:{' '}
          {data.nextRunAt ? (
            <span className="font-medium">
              {formatTime(data.nextRunAt)} <span className="text-muted-fg">({relativeTime(data.nextRunAt).replace(' ago', '')})</span>
            </span>
          ) : (
            <span className="text-muted-fg">none</span>
          )}
        </p>
      ) : null}
      {list.isSuccess && !runs.length ? <Empty>No smoke test has run here yet.</Empty> : null}
      {runs.length ? (
        <Table aria-label={`Smoke runs of ${service}/${environment}`}>
          <THead>
            <tr>
              <TH>When</TH>
              <TH>Why</TH>
              <TH>Result</TH>
              <TH>Cases</TH>
              <TH className="relative">
                <span className="sr-only">Cases of the run</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {runs.map((r) => (
              <TR key={r.id} className={shown?.id === r.id ? 'bg-muted/50' : 'hover:bg-muted/50'}>
                <TD className="whitespace-nowrap">
                  {formatTime(r.startedAt)}
                  <div className="text-xs text-muted-fg">{r.finishedAt ? `took ${formatDuration(r.finishedAt.getTime() - r.startedAt.getTime())}` : 'running'}</div>
                </TD>
                <TD className="whitespace-nowrap">
                  {TRIGGER_WORDS[r.trigger]}
                  {r.requestedBy ? <div className="text-xs text-muted-fg">by {r.requestedBy}</div> : null}
                </TD>
                <TD>
                  <Badge tone={STATUS_TONE[r.status]}>{r.status}</Badge>
                  {r.error ? <div className="mt-1 max-w-72 text-xs text-warning">{r.error}</div> : null}
                </TD>
                <TD className="whitespace-nowrap tabular-nums">{r.cases ? `${r.passed} of ${r.cases} passed` : '—'}</TD>
                <TD className="text-right">
                  {r.results.length ? (
                    <Button size="sm" variant="secondary" aria-pressed={shown?.id === r.id} onClick={() => setChosen(r.id)} aria-label={`Show the cases of the smoke run of ${formatTime(r.startedAt)}`}>
                      Cases
                    </Button>
                  ) : null}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {shown?.results.length ? <RunCases run={shown} /> : null}
    </Card>
  );
}

function RunCases({ run }: { run: Run }) {
  return (
    <div className="border-t border-border">
      <h3 className="px-5 pt-4 pb-2 text-sm font-semibold">
        Cases of the run of {formatTime(run.startedAt)} ({TRIGGER_WORDS[run.trigger]})
      </h3>
      <Table aria-label={`Cases of the smoke run of ${formatTime(run.startedAt)}`}>
        <THead>
          <tr>
            <TH>Release</TH>
            <TH>Case</TH>
            <TH>Result</TH>
            <TH>Answer</TH>
            <TH>Why</TH>
          </tr>
        </THead>
        <TBody>
          {run.results.map((c) => (
            <TR key={`${c.releaseNumber}-${c.caseIndex}`}>
              <TD className="whitespace-nowrap tabular-nums">{c.releaseNumber === null ? '—' : `#${c.releaseNumber}`}</TD>
              <TD className="tabular-nums">{c.caseIndex}</TD>
              <TD className="whitespace-nowrap">
                <Badge tone={c.pass ? 'success' : 'danger'}>{c.pass ? 'passed' : 'failed'}</Badge>
                <div className="mt-0.5 text-xs text-muted-fg tabular-nums">
                  {c.status ? `HTTP ${c.status}` : 'no answer'} · {c.latencyMs} ms · score {c.score.toFixed(2)}
                </div>
              </TD>
              <TD className="max-w-80 min-w-48 text-xs break-words text-muted-fg">{c.output ?? '—'}</TD>
              <TD className="max-w-96 min-w-48 text-xs break-words">{c.reason}</TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
