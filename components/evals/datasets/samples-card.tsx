'use client';
// The input/output samples the gateway kept for an environment (when its settings keep a share of requests,
// truncated and redacted), newest first, with "Add to dataset": the chosen samples become cases of a new version.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState } from 'react';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

export function SamplesCard({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('datasets:write');
  const [chosen, setChosen] = useState<number[]>([]);
  const [name, setName] = useState('');
  const listId = useId();
  const samples = useQuery(trpc.datasets.samples.queryOptions({ service, environment, limit: 20 }));
  const datasets = useQuery(trpc.datasets.list.queryOptions({ service }, { enabled: canWrite }));
  const add = useMutation(trpc.datasets.addSamples.mutationOptions());
  const toggle = (id: number, on: boolean) => setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
  const rows = samples.data ?? [];

  const dialog = (ids: number[], label: string) => (
    <ActionDialog
      trigger={
        <Button size="sm" variant={ids.length > 1 ? 'primary' : 'secondary'} disabled={!ids.length}>
          {label}
        </Button>
      }
      title={`Add ${ids.length} sample${ids.length === 1 ? '' : 's'} to a dataset`}
      description="Each sample becomes a case: its input as a user message, the answer it got as the expected answer (review it), tagged sample and the environment. The dataset gets a new version; a new name creates it."
      reason={false}
      confirmLabel="Add to dataset"
      pendingLabel="Adding…"
      disabled={!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length < 2}
      onConfirm={async () => {
        const res = await add.mutateAsync({ service, name, ids });
        await qc.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
        setChosen([]);
        return res;
      }}
      result={(res) =>
        res.created && res.version ? (
          <>
            Added {res.added} case{res.added === 1 ? '' : 's'} as{' '}
            <Link className="text-primary hover:underline" href={`/evals/${service}/datasets/${res.dataset.name}?v=${res.version.version}`}>
              {res.dataset.name}@{res.version.version}
            </Link>
            {res.skipped ? ` (${res.skipped} already in it)` : ''}.
          </>
        ) : (
          <>Nothing new: {res.dataset.name} already holds {ids.length === 1 ? 'this sample' : 'these samples'}.</>
        )
      }
    >
      <Field label="Dataset" hint="An existing dataset, or a new name (lowercase letters, digits and dashes).">
        <Input value={name} onChange={(e) => setName(e.target.value.trim())} list={listId} required autoComplete="off" placeholder="production-samples" />
      </Field>
      <datalist id={listId}>
        {datasets.data?.map((d) => (
          <option key={d.id} value={d.name} />
        ))}
      </datalist>
    </ActionDialog>
  );

  return (
    <Card role="region" aria-label="Samples">
      <CardHeader
        title="Samples"
        description="Inputs and answers the gateway kept for this environment (truncated, emails, phone and card numbers redacted). Turn them into eval cases."
        actions={canWrite && rows.length ? dialog(chosen, chosen.length ? `Add ${chosen.length} to dataset` : 'Add to dataset') : null}
      />
      {samples.isLoading ? <Loading /> : null}
      <LoadError error={samples.error} />
      {samples.data && !rows.length ? <Empty>No samples kept. Set “Samples kept (%)” in this environment’s gateway settings to keep a share of requests.</Empty> : null}
      {rows.length ? (
        <Table aria-label={`Samples of ${service}/${environment}`}>
          <THead>
            <tr>
              {canWrite ? <TH className="w-10"><span className="sr-only">Choose</span></TH> : null}
              <TH>When</TH>
              <TH>Release</TH>
              <TH>Input</TH>
              <TH>Answer</TH>
              {canWrite ? <TH><span className="sr-only">Actions</span></TH> : null}
            </tr>
          </THead>
          <TBody>
            {rows.map((s) => (
              <TR key={s.id}>
                {canWrite ? (
                  <TD className="align-top">
                    <input type="checkbox" aria-label={`Choose sample ${s.requestId}`} checked={chosen.includes(s.id)} onChange={(e) => toggle(s.id, e.currentTarget.checked)} />
                  </TD>
                ) : null}
                <TD className="align-top text-xs whitespace-nowrap text-muted-fg">{formatTime(s.at)}</TD>
                <TD className="align-top tabular-nums">{s.releaseNumber !== null ? `#${s.releaseNumber}` : '—'}</TD>
                <TD className="max-w-sm align-top">
                  <div className="line-clamp-3 text-xs whitespace-pre-wrap">{s.sample.input}</div>
                </TD>
                <TD className="max-w-sm align-top">
                  <div className="line-clamp-3 text-xs whitespace-pre-wrap">{s.sample.output || <span className="text-muted-fg">—</span>}</div>
                </TD>
                {canWrite ? <TD className="align-top">{dialog([s.id], 'Add to dataset')}</TD> : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}
