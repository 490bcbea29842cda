'use client';
// A prompt-variations run as a matrix: one row per cell (prompts × parameters × model) with its score, pass rate,
// cost and median latency, each coloured against the other cells (greener is better: higher score, lower cost and
// latency), refreshed every second while the run goes on; "Create release" makes a release from a cell.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { formatTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

type View = RouterOutputs['variations']['get'];
type Cell = View['cells'][number];

const ACTIVE = ['queued', 'running'];
const STATUS_TONE: Record<string, 'info' | 'success' | 'danger' | 'warning' | 'neutral'> = { queued: 'neutral', running: 'info', passed: 'success', failed: 'danger', error: 'danger', cancelled: 'warning' };

/** 0 (worst) to 1 (best) among the cells; equal values are all best. */
function rank(value: number | null, values: (number | null)[], higherIsBetter: boolean): number | null {
  const known = values.filter((v): v is number => v !== null);
  if (value === null || !known.length) return null;
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  if (hi === lo) return 1;
  const t = (value - lo) / (hi - lo);
  return higherIsBetter ? t : 1 - t;
}

/** A background from red (0) through amber to green (1), light enough for text on it. */
function shade(t: number | null): string | undefined {
  if (t === null) return undefined;
  const hue = Math.round(t * 130);
  return `hsl(${hue} 70% 50% / 0.18)`;
}

const money = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function VariationsMatrix({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const view = useQuery(trpc.variations.get.queryOptions({ service, number }, { refetchInterval: (q) => (q.state.data && ACTIVE.includes(q.state.data.status) ? 1000 : false) }));
  const v = view.data;
  return (
    <>
      <Breadcrumbs items={[{ href: `/evals/${service}`, label: 'Evals' }, { href: `/evals/${service}`, label: service }, { label: `Prompt variations #${number}` }]} />
      <PageHeader
        title={`${service} prompt variations #${number}`}
        description={
          v ? (
            <span className="flex flex-wrap items-center gap-2">
              <Badge tone={STATUS_TONE[v.status] ?? 'neutral'}>{v.status}</Badge>
              <span>
                {v.cells.length} cells on {v.suite ?? 'a suite'}, {v.casesPerCell} cases each
                {v.threshold !== null ? `; passes when the best cell scores at least ${v.threshold}` : ''}
              </span>
            </span>
          ) : undefined
        }
      />
      {view.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={view.error} className="px-0" />
      {v ? <Matrix view={v} /> : null}
    </>
  );
}

function Matrix({ view: v }: { view: View }) {
  const scores = v.cells.map((c) => (c.cases ? c.score : null));
  const costs = v.cells.map((c) => (c.cases ? c.costUsd / c.cases : null));
  const latencies = v.cells.map((c) => c.latencyP50Ms);
  return (
    <div className="grid gap-6">
      <Card role="region" aria-label="Progress">
        <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
          <Item label="Calls">
            <span className="tabular-nums">
              {v.doneCalls} / {v.totalCalls}
            </span>
          </Item>
          <Item label="Cache hits">
            <span className="tabular-nums">{v.cacheHits}</span>
          </Item>
          <Item label="Spent">
            <span className="tabular-nums">
              {money(v.costUsd)} (estimate {money(v.estimate.costUsd)}
              {v.budgetUsd !== null ? `, budget ${money(v.budgetUsd)}` : ''})
            </span>
          </Item>
          <Item label="Recorded against">
            {v.release ? (
              <Link href={`/releases/${v.service}/${v.release}`} className="font-medium text-primary hover:underline">
                {v.service}#{v.release}
              </Link>
            ) : (
              '—'
            )}
          </Item>
          <Item label="Started">{formatTime(v.startedAt ?? v.createdAt)}</Item>
          <Item label="Finished">{formatTime(v.finishedAt)}</Item>
          <Item label="By">{v.createdBy}</Item>
          {v.error ? <Item label="Why">{v.error}</Item> : null}
        </dl>
      </Card>
      <Card role="region" aria-label="Matrix">
        <CardHeader title="Matrix" description="Greener is better among these cells: a higher score, a lower cost per case and a lower median latency." />
        <Table>
          <THead>
            <tr>
              <TH>Cell</TH>
              <TH>Prompts</TH>
              <TH>Parameters</TH>
              <TH>Model</TH>
              <TH className="text-right">Score</TH>
              <TH className="text-right">Pass rate</TH>
              <TH className="text-right">Cost</TH>
              <TH className="text-right">Latency p50</TH>
              <TH className="text-right">Errors</TH>
              <TH>
                <span className="sr-only">Actions</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {v.cells.map((c, i) => (
              <TR key={c.key}>
                <TD>
                  <span className="font-mono text-xs">{c.key}</span>
                  {c.key === v.best ? (
                    <span className="ml-2">
                      <Badge tone="success">best</Badge>
                    </span>
                  ) : null}
                </TD>
                <TD className="font-mono text-xs">{c.promptsLabel}</TD>
                <TD className="font-mono text-xs">{c.paramsLabel}</TD>
                <TD className="font-mono text-xs">{c.model.ref}</TD>
                <TD className="text-right tabular-nums" style={{ background: shade(rank(scores[i]!, scores, true)) }} data-testid={`score-${c.key}`}>
                  {c.cases ? c.score.toFixed(3) : '—'}
                  {!c.complete && c.cases ? <span className="ml-1 text-xs text-muted-fg">({c.cases}/{v.casesPerCell})</span> : null}
                </TD>
                <TD className="text-right tabular-nums">{c.cases ? pct(c.passRate) : '—'}</TD>
                <TD className="text-right tabular-nums" style={{ background: shade(rank(costs[i]!, costs, false)) }} title="the cell's calls at the model's prices; per case in brackets">
                  {money(c.costUsd)}
                  {c.cases ? <span className="ml-1 text-xs text-muted-fg">({money(c.costUsd / c.cases)}/case)</span> : null}
                </TD>
                <TD className="text-right tabular-nums" style={{ background: shade(rank(latencies[i]!, latencies, false)) }}>
                  {c.latencyP50Ms === null ? '—' : `${Math.round(c.latencyP50Ms)} ms`}
                </TD>
                <TD className="text-right tabular-nums">{c.errors}</TD>
                <TD className="text-right">
                  <CreateReleaseButton view={v} cell={c} />
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </Card>
    </div>
  );
}

function CreateReleaseButton({ view, cell }: { view: View; cell: Cell }) {
  const can = useCan('releases:write');
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const create = useMutation(trpc.variations.createRelease.mutationOptions());
  if (!can) return null;
  return (
    <ActionDialog
      trigger={
        <Button variant="secondary" size="sm">
          Create release
        </Button>
      }
      title={`Create a release from ${cell.key}`}
      description={
        <span>
          A new release of {view.service} with {cell.promptsLabel}, {cell.model.ref} and the config {cell.paramsLabel}: what this cell was scored with
          {cell.cases ? ` (score ${cell.score.toFixed(3)})` : ''}.
        </span>
      }
      reasonPlaceholder="release notes (optional)"
      confirmLabel="Create release"
      pendingLabel="Creating…"
      disabled={!cell.cases}
      onConfirm={async (notes) => {
        const release = await create.mutateAsync({ service: view.service, number: view.number, cell: cell.key, notes: notes || undefined, source: 'ui' });
        await qc.invalidateQueries({ queryKey: trpc.releases.pathKey() });
        router.push(`/releases/${view.service}/${release.number}`);
        return release;
      }}
    />
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-muted-fg">{label}</dt>
      <dd className="mt-1">{children}</dd>
    </div>
  );
}
