'use client';
// Settings → API tokens: create a token (shown once), see when each was last used, revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy, KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorMessage, fieldErrors } from '@/components/errors';
import { formatTime, relativeTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan, useViewer } from '@/components/viewer';
import { ROLE_LABELS, ROLES, roleWithin, type Role } from '@/server/auth/permissions';

const EXPIRY = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'No expiry' },
];

const STATUS_TONE = { active: 'success', expired: 'warning', revoked: 'danger' } as const;

export function TokensPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const isTokenAdmin = useCan('tokens:admin');
  const [all, setAll] = useState(false);
  const list = useQuery(trpc.tokens.list.queryOptions({ all: all && isTokenAdmin }));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSettled: invalidate }));

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4">
        <p className="text-sm text-muted-fg">
          Send a token as <code className="rounded bg-muted px-1 font-mono text-xs">Authorization: Bearer slw_…</code> to call the API from scripts and CI.
        </p>
        <div className="flex items-center gap-3">
          {isTokenAdmin ? (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Everyone’s tokens
            </label>
          ) : null}
          <CreateTokenDialog onDone={invalidate} />
        </div>
      </div>
      <ErrorAlert error={revoke.error} className="mx-5 mt-4" />
      <Table>
        <THead>
          <tr>
            <TH>Name</TH>
            {all ? <TH>Owner</TH> : null}
            <TH>Role</TH>
            <TH>Created</TH>
            <TH>Last used</TH>
            <TH>Expires</TH>
            <TH>Status</TH>
            <TH className="text-right">Actions</TH>
          </tr>
        </THead>
        <TBody>
          {list.data?.map((t) => (
            <TR key={t.id}>
              <TD>
                <div className="font-medium">{t.name}</div>
                <div className="font-mono text-xs text-muted-fg">{t.prefix}…</div>
              </TD>
              {all ? <TD>{t.ownerEmail ?? (t.source === 'bootstrap' ? 'SLIPWAY_BOOTSTRAP_TOKEN' : '—')}</TD> : null}
              <TD>
                <Badge tone="info">{t.role}</Badge>
              </TD>
              <TD className="text-muted-fg">{formatTime(t.createdAt)}</TD>
              <TD className="text-muted-fg">{relativeTime(t.lastUsedAt)}</TD>
              <TD className="text-muted-fg">{t.expiresAt ? formatTime(t.expiresAt) : 'never'}</TD>
              <TD>
                <Badge tone={STATUS_TONE[t.status]}>{t.status}</Badge>
              </TD>
              <TD className="text-right">
                {t.status !== 'revoked' ? (
                  <Button size="sm" variant="ghost" aria-label={`Revoke ${t.name}`} disabled={revoke.isPending} onClick={() => revoke.mutate({ tokenId: t.id })}>
                    Revoke
                  </Button>
                ) : null}
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
      {list.data?.length === 0 ? <p className="px-5 py-6 text-sm text-muted-fg">No API tokens yet.</p> : null}
      {list.error ? <p className="px-5 py-4 text-sm text-danger">{errorMessage(list.error)}</p> : null}
    </Card>
  );
}

function CreateTokenDialog({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const viewer = useViewer();
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: onDone }));
  const fields = fieldErrors(create.error);
  const roles = ROLES.filter((r) => roleWithin(r, viewer.role));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const days = String(f.get('expiry'));
    create.mutate({
      name: String(f.get('name')),
      role: String(f.get('role')) as Role,
      expiresAt: days === 'never' ? undefined : new Date(Date.now() + Number(days) * 86_400_000),
    });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) {
          create.reset();
          setCopied(false);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <KeyRound className="h-4 w-4" aria-hidden /> Create token
        </Button>
      </DialogTrigger>
      <DialogContent title="Create an API token" description="A token acts with the role you give it, never more than your own.">
        {create.isSuccess ? (
          <div className="grid gap-4">
            <p role="status" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              Copy this token now. It is shown only once and cannot be recovered.
            </p>
            <div className="flex gap-2">
              <Input readOnly aria-label="New API token" data-testid="new-token" className="font-mono text-xs" value={create.data.token} onFocus={(e) => e.currentTarget.select()} />
              <Button
                variant="secondary"
                size="icon"
                aria-label="Copy token"
                onClick={() => void navigator.clipboard?.writeText(create.data.token).then(() => setCopied(true), () => setCopied(false))}
              >
                <Copy className="h-4 w-4" aria-hidden />
              </Button>
            </div>
            {copied ? <p className="text-xs text-success">Copied.</p> : null}
            <Button
              onClick={() => {
                // Closing through state skips onOpenChange, so forget the one-time value here too.
                setOpen(false);
                create.reset();
                setCopied(false);
              }}
            >
              Done
            </Button>
          </div>
        ) : (
          <form onSubmit={onSubmit} className="grid gap-4">
            <Field label="Name" hint="What uses it, e.g. “release CI”" error={fields.name}>
              <Input name="name" required maxLength={100} />
            </Field>
            <Field label="Role" error={fields.role}>
              <Select name="role" defaultValue={roles.includes('engineer') ? 'engineer' : 'viewer'}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Expires" error={fields.expiresAt}>
              <Select name="expiry" defaultValue="90">
                {EXPIRY.map((x) => (
                  <option key={x.value} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </Select>
            </Field>
            <ErrorAlert error={create.error} besideFields />
            <Button type="submit" disabled={create.isPending}>
              Create token
            </Button>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
