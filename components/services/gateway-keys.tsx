'use client';
// A service's gateway keys: the list with when each was last used, creating one (its key shown once, in the
// dialog only) and revoking one after a confirmation.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime, relativeTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Checkbox, Field, Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

type GatewayKey = RouterOutputs['gatewayKeys']['list'][number];

export function GatewayKeysCard({ service, archived }: { service: string; archived: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('gateway-keys:write');
  const keys = useQuery(trpc.gatewayKeys.list.queryOptions({ service }));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.gatewayKeys.list.queryKey({ service }) });

  return (
    <Card role="region" aria-label="Gateway keys">
      <CardHeader
        title="Gateway keys"
        description={`Applications send one as their OpenAI API key to call ${service} through the gateway. A key is shown once, when it is created.`}
        actions={canWrite && !archived ? <CreateKeyDialog service={service} onCreated={invalidate} /> : null}
      />
      {keys.isLoading ? <Loading /> : null}
      <LoadError error={keys.error} />
      {keys.data && !keys.data.length ? <Empty>No gateway keys yet. Create one for each application that calls {service}, so each can be revoked on its own.</Empty> : null}
      {keys.data?.length ? (
        <Table aria-label="Keys">
          <THead>
            <tr>
              <TH>Name</TH>
              <TH>May pin</TH>
              <TH>Created</TH>
              <TH>Last used</TH>
              <TH>Status</TH>
              {canWrite ? <TH className="text-right">Actions</TH> : null}
            </tr>
          </THead>
          <TBody>
            {keys.data.map((k) => (
              <TR key={k.id}>
                <TD>
                  <div className="font-medium">{k.name}</div>
                  <div className="font-mono text-xs text-muted-fg">{k.prefix}…</div>
                </TD>
                <TD>{k.allowPin ? <Badge tone="info">may pin</Badge> : <span className="text-muted-fg">no</span>}</TD>
                <TD className="text-muted-fg">
                  <time dateTime={k.createdAt.toISOString()}>{formatTime(k.createdAt)}</time>
                  <div className="text-xs">by {k.createdBy}</div>
                </TD>
                <TD className="text-muted-fg">{k.lastUsedAt ? <time dateTime={k.lastUsedAt.toISOString()} title={formatTime(k.lastUsedAt)}>{relativeTime(k.lastUsedAt)}</time> : 'never'}</TD>
                <TD>{k.revokedAt ? <Badge tone="danger">revoked {formatTime(k.revokedAt)}</Badge> : <Badge tone="success">active</Badge>}</TD>
                {canWrite ? <TD className="text-right">{k.revokedAt ? null : <RevokeKeyDialog service={service} gatewayKey={k} onRevoked={invalidate} />}</TD> : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}

function CreateKeyDialog({ service, onCreated }: { service: string; onCreated: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  // gcTime 0: once the dialog resets the mutation, the key leaves the mutation cache too.
  const create = useMutation(trpc.gatewayKeys.create.mutationOptions({ onSuccess: onCreated, gcTime: 0 }));
  const fields = fieldErrors(create.error);
  // Every way of closing (Done, Escape, the X, a click outside) forgets the key.
  const onOpenChange = (o: boolean) => {
    setOpen(o);
    if (!o) create.reset();
  };

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    create.mutate({ service, name: String(f.get('name') ?? ''), allowPin: f.get('allowPin') === 'on' });
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button size="sm">
          <KeyRound className="h-3.5 w-3.5" aria-hidden /> Create key
        </Button>
      </DialogTrigger>
      <DialogContent title={`Create a gateway key for ${service}`} description="One key per application: each can be revoked on its own and shows when it was last used.">
        {create.isSuccess ? (
          <div className="grid gap-4">
            <p role="status" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              Copy this key now and store it with the application. It is shown only once: Slipway keeps only its hash and cannot show it again.
            </p>
            <div className="flex gap-2">
              <Input readOnly aria-label="New gateway key" className="font-mono text-xs" value={create.data.key} onFocus={(e) => e.currentTarget.select()} />
              <CopyButton text={create.data.key} label="Copy key" />
            </div>
            <p className="text-xs text-muted-fg">
              {create.data.gatewayKey.name} ({create.data.gatewayKey.prefix}…){create.data.gatewayKey.allowPin ? ' may pin a release with the X-Slipway-Release header.' : ' follows the routing table; it may not pin a release.'}
            </p>
            <Button onClick={() => onOpenChange(false)}>Done</Button>
          </div>
        ) : (
          <form onSubmit={onSubmit} className="grid gap-4">
            <Field label="Name" hint="What uses it, e.g. “help-center widget”" error={fields.name}>
              <Input name="name" required maxLength={100} autoComplete="off" />
            </Field>
            <div className="grid gap-1">
              <Checkbox name="allowPin" label="May pin a release" />
              <p className="pl-6 text-xs text-muted-fg">Lets requests choose a release with the X-Slipway-Release header, bypassing the routing table. For smoke tests and debugging, not for applications.</p>
            </div>
            <ErrorAlert error={create.error} besideFields />
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create key'}
            </Button>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

function RevokeKeyDialog({ service, gatewayKey, onRevoked }: { service: string; gatewayKey: GatewayKey; onRevoked: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const revoke = useMutation(
    trpc.gatewayKeys.revoke.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        onRevoked();
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) revoke.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost" className="text-danger" aria-label={`Revoke ${gatewayKey.name}`}>
          Revoke
        </Button>
      </DialogTrigger>
      <DialogContent title={`Revoke “${gatewayKey.name}”?`} description={`Applications using ${gatewayKey.prefix}… get 401 from the gateway within a second. A revoked key cannot be restored.`}>
        <div className="grid gap-4">
          <ErrorAlert error={revoke.error} />
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ service, keyId: gatewayKey.id })}>
              {revoke.isPending ? 'Revoking…' : 'Revoke key'}
            </Button>
          </div>
        </div>
      </DialogContent>
    </Dialog>
  );
}
