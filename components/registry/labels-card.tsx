'use client';
// Labels of a prompt or a model: where each points, the form to move one, and every move ever made.
// Protected labels (production by default) move only for approvers; others see why the form is disabled.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { useTRPC, type RouterInputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
// The server's own list, so the form and the verb agree on which new labels start protected.
import { PROTECTED_BY_DEFAULT } from '@/server/services/registry-rules';

type Target = RouterInputs['labels']['move']['target'];
type LabelRow = { name: string; version: number; protected: boolean; updatedAt: Date };

const SUGGESTED = ['staging', 'production'];

export function LabelsCard({ target, labels, versions, versionHref, onMoved }: { target: Target; labels: LabelRow[]; versions: number[]; versionHref: (v: number) => string; onMoved: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canMove = useCan('labels:move');
  const canMoveProtected = useCan('labels:move-protected');
  const canProtect = useCan('labels:protect');
  const history = useQuery(trpc.labels.history.queryOptions({ target }));
  const suggestionsId = useId();
  const [label, setLabel] = useState('staging');
  const [version, setVersion] = useState<number | null>(null);
  const move = useMutation(
    trpc.labels.move.mutationOptions({
      onSuccess: () => {
        onMoved();
        void qc.invalidateQueries({ queryKey: trpc.labels.history.queryKey() });
      },
    }),
  );
  const protect = useMutation(trpc.labels.setProtected.mutationOptions({ onSuccess: onMoved }));
  const fields = fieldErrors(move.error);
  const chosenVersion = version ?? versions[0] ?? null;
  const existing = labels.find((l) => l.name === label.trim());
  const isProtected = existing ? existing.protected : PROTECTED_BY_DEFAULT.has(label.trim());
  const blocked = isProtected && !canMoveProtected;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (chosenVersion === null || blocked) return;
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '');
    move.mutate({ target, label: label.trim(), version: chosenVersion, reason });
  }

  return (
    <Card>
      <CardHeader title="Labels" description="Named pointers such as staging and production. Releases and clients can refer to a label instead of a version number." />
      {labels.length ? (
        <Table aria-label="Current labels">
          <THead>
            <tr>
              <TH>Label</TH>
              <TH>Points at</TH>
              <TH>Moved</TH>
              {canProtect ? (
                <TH className="text-right">
                  <span className="sr-only">Actions</span>
                </TH>
              ) : null}
            </tr>
          </THead>
          <TBody>
            {labels.map((l) => (
              <TR key={l.name}>
                <TD>
                  <span className="font-medium">{l.name}</span> {l.protected ? <Badge tone="warning">protected</Badge> : null}
                </TD>
                <TD>
                  <Link href={versionHref(l.version)} className="text-primary hover:underline">
                    v{l.version}
                  </Link>
                </TD>
                <TD className="text-muted-fg">{formatTime(l.updatedAt)}</TD>
                {canProtect ? (
                  <TD className="text-right">
                    <Button size="sm" variant="ghost" disabled={protect.isPending} onClick={() => protect.mutate({ target, label: l.name, protected: !l.protected })}>
                      {l.protected ? `Unprotect ${l.name}` : `Protect ${l.name}`}
                    </Button>
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : (
        <Empty>No labels yet.</Empty>
      )}
      <ErrorAlert error={protect.error} className="mx-5 mb-4" />

      <div className="border-t border-border px-5 py-4">
        <h3 className="mb-3 text-sm font-semibold">Move a label</h3>
        {!canMove ? (
          <p className="text-sm text-muted-fg">Your role may look at labels but not move them (needs labels:move).</p>
        ) : !versions.length ? (
          <p className="text-sm text-muted-fg">There is no version to point a label at yet.</p>
        ) : (
          <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-[1fr_8rem_2fr_auto] sm:items-start" aria-label="Move a label">
            <Field label="Label" error={fields.label}>
              <Input
                list={suggestionsId}
                value={label}
                onChange={(e) => {
                  setLabel(e.target.value);
                  move.reset();
                }}
                required
              />
            </Field>
            <datalist id={suggestionsId}>
              {[...new Set([...labels.map((l) => l.name), ...SUGGESTED])].map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
            <Field label="Version" error={fields.version}>
              <Select value={chosenVersion ?? ''} onChange={(e) => setVersion(Number(e.target.value))}>
                {versions.map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Reason" error={fields.reason}>
              <Input name="reason" placeholder="why, for the history" maxLength={500} />
            </Field>
            <div className="sm:pt-6">
              <Button type="submit" disabled={blocked || move.isPending}>
                {move.isPending ? 'Moving…' : 'Move label'}
              </Button>
            </div>
            {blocked ? (
              <p role="note" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning sm:col-span-4">
                “{label.trim()}” is protected: only approvers may move it (your role lacks labels:move-protected).
              </p>
            ) : isProtected ? (
              <p className="text-xs text-muted-fg sm:col-span-4">“{label.trim()}” is protected; you may move it as an approver.</p>
            ) : null}
            <ErrorAlert error={move.error} besideFields className="sm:col-span-4" />
            {move.isSuccess ? (
              <p role="status" className="text-sm text-success sm:col-span-4">
                {move.data.moved ? `Moved ${move.data.label.name} to v${move.data.label.version}.` : `${move.data.label.name} already points at v${move.data.label.version}; nothing changed.`}
              </p>
            ) : null}
          </form>
        )}
      </div>

      <div className="border-t border-border">
        <h3 className="px-5 pt-4 text-sm font-semibold">Label history</h3>
        {history.isLoading ? <Loading /> : null}
        <LoadError error={history.error} />
        {history.data && !history.data.length ? <Empty>No label has been moved yet.</Empty> : null}
        {history.data?.length ? (
          <Table aria-label="Label history">
            <THead>
              <tr>
                <TH>Time</TH>
                <TH>Label</TH>
                <TH>Move</TH>
                <TH>By</TH>
                <TH>Reason</TH>
              </tr>
            </THead>
            <TBody>
              {history.data.map((h) => (
                <TR key={h.id}>
                  <TD className="whitespace-nowrap text-muted-fg">
                    <time dateTime={h.at.toISOString()}>{formatTime(h.at)}</time>
                  </TD>
                  <TD className="font-medium">{h.label}</TD>
                  <TD className="whitespace-nowrap tabular-nums">
                    {h.fromVersion === null ? `set to v${h.toVersion}` : `v${h.fromVersion} → v${h.toVersion}`}
                  </TD>
                  <TD>{h.actor}</TD>
                  <TD className="text-muted-fg">{h.reason || '—'}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : null}
      </div>
    </Card>
  );
}
