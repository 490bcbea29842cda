'use client';
// Settings → Secrets: provider API keys and webhook secrets, shown only by name, kind and a mask. Values go
// in once (create or rotate) and never come back out.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, RotateCw } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterInputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

type Kind = RouterInputs['secrets']['create']['kind'];
const KIND_LABELS: Record<Kind, string> = { provider_api_key: 'Provider API key', webhook_secret: 'Webhook secret', notification_url: 'Notification webhook URL' };

export function SecretsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canRead = useCan('secrets:read');
  const canWrite = useCan('secrets:write');
  const list = useQuery(trpc.secrets.list.queryOptions(undefined, { enabled: canRead }));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });

  if (!canRead) return <Card className="p-5 text-sm text-muted-fg">Your role may not see secrets (needs secrets:read: engineers, approvers and admins).</Card>;
  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4">
        <p className="text-sm text-muted-fg">Values are encrypted at rest and never shown again; models refer to a key by its secret’s name.</p>
        {canWrite ? <CreateSecretDialog onDone={invalidate} /> : null}
      </div>
      {list.data?.length ? (
        <Table aria-label="Secrets">
          <THead>
            <tr>
              <TH>Name</TH>
              <TH>Kind</TH>
              <TH>Value</TH>
              <TH>Created</TH>
              <TH>Rotated</TH>
              <TH>Last used</TH>
              {canWrite ? <TH className="text-right">Actions</TH> : null}
            </tr>
          </THead>
          <TBody>
            {list.data.map((s) => (
              <TR key={s.id}>
                <TD>
                  <div className="font-medium">{s.name}</div>
                  {s.description ? <div className="text-xs text-muted-fg">{s.description}</div> : null}
                </TD>
                <TD>
                  <Badge tone="info">{KIND_LABELS[s.kind]}</Badge>
                </TD>
                <TD className="font-mono text-xs">{s.mask}</TD>
                <TD className="whitespace-nowrap text-muted-fg">
                  {formatTime(s.createdAt)}
                  <div className="text-xs">{s.createdBy}</div>
                </TD>
                <TD className="whitespace-nowrap text-muted-fg">{s.rotatedAt ? formatTime(s.rotatedAt) : 'never'}</TD>
                <TD className="whitespace-nowrap text-muted-fg">{relativeTime(s.lastUsedAt)}</TD>
                {canWrite ? (
                  <TD className="text-right">
                    <RotateSecretDialog name={s.name} onDone={invalidate} />
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.data && !list.data.length ? <Empty>No secrets yet.{canWrite ? ' Store a provider API key before registering a model that needs one.' : ''}</Empty> : null}
    </Card>
  );
}

function CreateSecretDialog({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const create = useMutation(
    trpc.secrets.create.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(create.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    create.mutate({ name: String(f.get('name')).trim(), kind: String(f.get('kind')) as Kind, value: String(f.get('value')), description: String(f.get('description') ?? '') });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <KeyRound className="h-4 w-4" aria-hidden /> New secret
        </Button>
      </DialogTrigger>
      <DialogContent title="Store a secret" description="The value is encrypted and cannot be read back, only replaced.">
        <form onSubmit={onSubmit} className="grid gap-4" autoComplete="off">
          <Field label="Name" hint="e.g. openai-prod" error={fields.name}>
            <Input name="name" required />
          </Field>
          <Field label="Kind" error={fields.kind}>
            <Select name="kind" defaultValue="provider_api_key">
              {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Value" error={fields.value}>
            <Input name="value" type="password" autoComplete="new-password" required />
          </Field>
          <Field label="Description" error={fields.description}>
            <Input name="description" maxLength={500} />
          </Field>
          <ErrorAlert error={create.error} besideFields />
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Storing…' : 'Store secret'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function RotateSecretDialog({ name, onDone }: { name: string; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const rotate = useMutation(
    trpc.secrets.rotate.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(rotate.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) rotate.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost" aria-label={`Rotate ${name}`}>
          <RotateCw className="h-3.5 w-3.5" aria-hidden /> Rotate
        </Button>
      </DialogTrigger>
      <DialogContent title={`Rotate ${name}`} description="Everything that uses this secret picks up the new value; the old one is gone.">
        <form
          className="grid gap-4"
          autoComplete="off"
          onSubmit={(e) => {
            e.preventDefault();
            rotate.mutate({ name, value: String(new FormData(e.currentTarget).get('value')) });
          }}
        >
          <Field label="New value" error={fields.value}>
            <Input name="value" type="password" autoComplete="new-password" required />
          </Field>
          <ErrorAlert error={rotate.error} besideFields />
          <Button type="submit" disabled={rotate.isPending}>
            {rotate.isPending ? 'Rotating…' : 'Rotate secret'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
