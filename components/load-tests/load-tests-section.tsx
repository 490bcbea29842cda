'use client';
// An environment's load tests: the latest ones (run by hand, from the CLI or by a pipeline's load-test step) with
// their verdict and p95 on each arm, each opening its own page; and Run a load test for those who may deploy.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import { LOAD_TEST_TONE, loadTestHref } from './load-test-detail';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);

export function LoadTestsSection({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const canRun = useCan('environments:deploy');
  const list = useQuery(trpc.loadTests.list.queryOptions({ service, environment, limit: 20 }, { refetchInterval: (q) => (q.state.data?.tests.some((t) => t.status === 'running') ? 2000 : 15_000) }));
  const tests = list.data?.tests ?? [];
  return (
    <Card>
      <CardHeader
        title="Load tests"
        description="A fixed rate of requests through this environment’s gateway to a candidate release, pinned, taking turns with the release it serves now; compared with that release and the environment’s objectives. The requests are synthetic: left out of metrics, cost, alerts and analysis."
        actions={canRun ? <RunLoadTestDialog service={service} environment={environment} limits={list.data?.limits} /> : undefined}
      />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.isSuccess && !tests.length ? <Empty>No load test has run here yet. Run one here, with slipway loadtest run, or as a load-test step of the pipeline.</Empty> : null}
      {tests.length ? (
        <Table aria-label={`Load tests of ${service}/${environment}`}>
          <THead>
            <tr>
              <TH>When</TH>
              <TH>Candidate</TH>
              <TH>Load</TH>
              <TH>Result</TH>
              <TH className="text-right">p95 candidate</TH>
              <TH className="text-right">p95 stable</TH>
              <TH className="relative">
                <span className="sr-only">Open</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {tests.map((t) => (
              <TR key={t.id}>
                <TD className="whitespace-nowrap">
                  {formatTime(t.createdAt)}
                  <div className="text-xs text-muted-fg">{t.pipelineRunNumber ? `pipeline run #${t.pipelineRunNumber}` : `by ${t.requestedBy}`}</div>
                </TD>
                <TD className="whitespace-nowrap">
                  #{t.candidateNumber}
                  <div className="text-xs text-muted-fg">{t.baselineNumber ? `vs #${t.baselineNumber}` : 'objectives only'}</div>
                </TD>
                <TD className="whitespace-nowrap tabular-nums">
                  {t.settings.ratePerSecond}/s × {t.settings.durationSeconds} s
                </TD>
                <TD>
                  <Badge tone={LOAD_TEST_TONE[t.status]}>{t.status}</Badge>
                  {t.verdict && t.status !== 'passed' ? <div className="mt-1 max-w-80 text-xs text-muted-fg">{t.verdict.reasons[0]}</div> : null}
                  {t.error ? <div className="mt-1 max-w-80 text-xs text-warning">{t.error}</div> : null}
                </TD>
                <TD className="text-right tabular-nums whitespace-nowrap">{ms(t.results?.candidate.latencyMs.p95)}</TD>
                <TD className="text-right tabular-nums whitespace-nowrap">{ms(t.results?.baseline?.latencyMs.p95)}</TD>
                <TD className="text-right">
                  <Link href={loadTestHref({ service, environment, id: t.id })} className="text-sm font-medium text-primary hover:underline" aria-label={`Open the load test of #${t.candidateNumber} from ${formatTime(t.createdAt)}`}>
                    Open
                  </Link>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}

function RunLoadTestDialog({ service, environment, limits }: { service: string; environment: string; limits?: { maxRatePerSecond: number; maxDurationSeconds: number } }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const releases = useQuery({ ...trpc.releases.list.queryOptions({ service }), enabled: open });
  const run = useMutation(
    trpc.loadTests.run.mutationOptions({
      onSuccess: async (t) => {
        setOpen(false);
        await qc.invalidateQueries({ queryKey: trpc.loadTests.list.pathKey() });
        router.push(loadTestHref({ service, environment, id: t.id }));
      },
    }),
  );
  const fields = fieldErrors(run.error);
  const at = (path: string) => fields[path];
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (name: string) => {
      const v = String(f.get(name) ?? '').trim();
      return v === '' ? undefined : Number(v);
    };
    run.mutate({
      service,
      environment,
      release: num('release') ?? 0,
      settings: { ratePerSecond: num('rate'), durationSeconds: num('duration'), stream: String(f.get('stream')) as 'always' | 'never' | 'mixed' },
    });
  }
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) run.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm">Run a load test</Button>
      </DialogTrigger>
      <DialogContent title={`Load-test a release in ${environment}`} description="Requests go through this environment’s gateway only, alternating every 2 s between the release and the one it serves now. Margins: p95/p99 ×1.2, errors +2 points, and the objectives; the CLI and pipeline step set every other field.">
        <form onSubmit={onSubmit} className="grid gap-4">
          <Field label="Release" error={at('release')} hint="The candidate, by number.">
            <Select name="release" required defaultValue="">
              <option value="" disabled>
                {releases.isLoading ? 'Loading…' : 'Choose a release'}
              </option>
              {(releases.data ?? []).map((r) => (
                <option key={r.id} value={r.number}>
                  #{r.number} · {r.model} · {r.prompts.join(', ') || 'no prompts'}
                </option>
              ))}
            </Select>
          </Field>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Requests per second" error={at('settings.ratePerSecond')} hint={`At most ${limits?.maxRatePerSecond ?? 200}.`}>
              <Input name="rate" type="number" inputMode="decimal" step="any" defaultValue={5} />
            </Field>
            <Field label="Duration (s)" error={at('settings.durationSeconds')} hint={`At most ${limits?.maxDurationSeconds ?? 600}.`}>
              <Input name="duration" type="number" inputMode="numeric" defaultValue={30} />
            </Field>
            <Field label="Streaming" error={at('settings.stream')}>
              <Select name="stream" defaultValue="mixed">
                <option value="mixed">Every other request</option>
                <option value="always">All requests</option>
                <option value="never">None</option>
              </Select>
            </Field>
          </div>
          <ErrorAlert error={run.error} besideFields />
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" disabled={run.isPending}>
              {run.isPending ? 'Starting…' : 'Start'}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
