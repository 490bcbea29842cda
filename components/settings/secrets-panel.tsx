'use client';
// Settings → Secrets: provider API keys, repository tokens, webhook and notification secrets, shown only by name,
// scope and a mask. Values go in once (create or rotate) and never come back out; the scope (purposes, services,
// origin) can be edited by those holding secrets:write.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, RotateCw, SlidersHorizontal } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterInputs, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DataTable } from '@/components/ui/data-table';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Checkbox, Field, Input } from '@/components/ui/form';
import { useCan } from '@/components/viewer';

type Purpose = NonNullable<RouterInputs['secrets']['create']['purposes']>[number];
const PURPOSE_LABELS: Record<Purpose, string> = { provider_key: 'Provider API key', repository_token: 'Repository token', webhook_signing: 'Webhook signing', notifications: 'Notifications', registry_credentials: 'Registry credentials' };
const PURPOSES = Object.keys(PURPOSE_LABELS) as Purpose[];

interface Scope {
  purposes: Purpose[];
  services: string[] | null;
  origin: string | null;
}

/** Reads the scope fields of a form: ticked purposes, services (comma-separated; empty for all) and an origin. */
function scopeOf(f: FormData): Scope {
  const services = String(f.get('services') ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const origin = String(f.get('origin') ?? '').trim();
  return { purposes: PURPOSES.filter((p) => f.get(`purpose-${p}`) === 'on'), services: services.length ? services : null, origin: origin || null };
}

function ScopeFields({ fields, scope }: { fields: Record<string, string | undefined>; scope?: Scope }) {
  return (
    <>
      <fieldset className="grid gap-2">
        <legend className="mb-1 text-sm font-medium">Purposes</legend>
        {PURPOSES.map((p) => (
          <Checkbox key={p} name={`purpose-${p}`} label={PURPOSE_LABELS[p]} defaultChecked={scope ? scope.purposes.includes(p) : p === 'provider_key'} />
        ))}
        {fields.purposes ? <p className="text-xs text-danger">{fields.purposes}</p> : null}
      </fieldset>
      <Field label="Services" hint="Comma-separated service names that may use it; empty for every service" error={fields.services}>
        <Input name="services" defaultValue={scope?.services?.join(', ') ?? ''} />
      </Field>
      <Field label="Origin" hint="e.g. https://api.openai.com — anyone may bind the secret to URLs there; other URLs need secrets:write" error={fields.origin}>
        <Input name="origin" defaultValue={scope?.origin ?? ''} placeholder="https://" />
      </Field>
    </>
  );
}

export function SecretsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canRead = useCan('secrets:read');
  const canWrite = useCan('secrets:write');
  const list = useQuery(trpc.secrets.list.queryOptions(undefined, { enabled: canRead }));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });

  if (!canRead) return <Card className="p-5 text-sm text-muted-fg">Your role may not see secrets (needs secrets:read: engineers, approvers and admins).</Card>;
  return (
    <DataTable
      label="Secrets"
      columns={[
        {
          key: 'name',
          header: 'Name',
          cell: (s) => (
            <>
              <div className="font-medium">{s.name}</div>
              {s.description ? <div className="text-xs text-muted-fg">{s.description}</div> : null}
            </>
          ),
        },
        { key: 'scope', header: 'Scope', cell: (s) => <ScopeSummary secret={s} /> },
        { key: 'value', header: 'Value', className: 'font-mono text-xs', cell: (s) => s.mask },
        {
          key: 'created',
          header: 'Created',
          className: 'whitespace-nowrap text-muted-fg',
          cell: (s) => (
            <>
              {formatTime(s.createdAt)}
              <div className="text-xs">{s.createdBy}</div>
            </>
          ),
        },
        { key: 'rotated', header: 'Rotated', className: 'whitespace-nowrap text-muted-fg', cell: (s) => (s.rotatedAt ? formatTime(s.rotatedAt) : 'never') },
        { key: 'used', header: 'Last used', className: 'whitespace-nowrap text-muted-fg', cell: (s) => relativeTime(s.lastUsedAt) },
        canWrite && {
          key: 'actions',
          header: 'Actions',
          className: 'text-right',
          headerClassName: 'text-right',
          cell: (s) => (
            <div className="flex justify-end gap-1">
              <EditScopeDialog secret={s} onDone={invalidate} />
              <RotateSecretDialog name={s.name} onDone={invalidate} />
            </div>
          ),
        },
      ]}
      rows={list.data}
      rowKey={(s) => s.id}
      filters={<p className="text-sm text-muted-fg">Values are encrypted at rest and never shown again; models refer to a key by its secret’s name.</p>}
      actions={canWrite ? <CreateSecretDialog onDone={invalidate} /> : null}
      loading={list.isLoading}
      error={list.error}
      empty={`No secrets yet.${canWrite ? ' Store a provider API key before registering a model that needs one.' : ''}`}
    />
  );
}

function ScopeSummary({ secret: s }: { secret: RouterOutputs['secrets']['list'][number] }) {
  return (
    <>
      <div className="flex flex-wrap gap-1">
        {s.purposes.map((p) => (
          <Badge key={p} tone="info">
            {PURPOSE_LABELS[p]}
          </Badge>
        ))}
      </div>
      <div className="mt-1 text-xs text-muted-fg">{s.services ? `Services: ${s.services.join(', ') || 'none'}` : 'All services'}</div>
      <div className="text-xs text-muted-fg">Origin: {s.origin ?? 'none'}</div>
      {s.grants.length ? (
        <div className="text-xs text-muted-fg" title={s.grants.map((g) => `${g.origin}: ${g.boundTo}, by ${g.grantedBy}`).join('\n')}>
          Also bound to: {s.grants.map((g) => g.origin).join(', ')}
        </div>
      ) : null}
    </>
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
    create.mutate({ name: String(f.get('name')).trim(), ...scopeOf(f), value: String(f.get('value')), description: String(f.get('description') ?? '') });
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
          <ScopeFields fields={fields} />
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

function EditScopeDialog({ secret, onDone }: { secret: Scope & { name: string; description: string; grants: { origin: string; boundTo: string; grantedBy: string }[] }; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const update = useMutation(
    trpc.secrets.update.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(update.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) update.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost" aria-label={`Edit the scope of ${secret.name}`}>
          <SlidersHorizontal className="h-3.5 w-3.5" aria-hidden /> Scope
        </Button>
      </DialogTrigger>
      <DialogContent title={`Scope of ${secret.name}`} description="Narrowing the scope stops every use it no longer allows at once, including those bound before.">
        <form
          className="grid gap-4"
          autoComplete="off"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const revokeOrigins = secret.grants.map((g) => g.origin).filter((o) => f.get(`revoke-${o}`) === 'on');
            update.mutate({ name: secret.name, ...scopeOf(f), description: String(f.get('description') ?? ''), revokeOrigins });
          }}
        >
          <ScopeFields fields={fields} scope={secret} />
          {secret.grants.length ? (
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Also bound to (by someone holding secrets:write)</legend>
              {secret.grants.map((g) => (
                <Checkbox key={g.origin} name={`revoke-${g.origin}`} label={`Stop sending to ${g.origin} (${g.boundTo}, by ${g.grantedBy})`} />
              ))}
              {fields.revokeOrigins ? <p className="text-xs text-danger">{fields.revokeOrigins}</p> : null}
            </fieldset>
          ) : null}
          <Field label="Description" error={fields.description}>
            <Input name="description" maxLength={500} defaultValue={secret.description} />
          </Field>
          <ErrorAlert error={update.error} besideFields />
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save scope'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
