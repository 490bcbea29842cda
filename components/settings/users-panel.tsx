'use client';
// Settings → Users: the team, their roles and state; admins add, invite, change roles, disable and reset passwords.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorMessage, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DataTable } from '@/components/ui/data-table';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';
import { useCan, useViewer } from '@/components/viewer';
import { ROLE_LABELS, ROLES, type Role } from '@/server/auth/permissions';

function useInvalidateUsers() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
}

export function UsersPanel() {
  const trpc = useTRPC();
  const canWrite = useCan('users:write');
  const viewer = useViewer();
  const [search, setSearch] = useState('');
  const list = useQuery(trpc.users.list.queryOptions({ search: search || undefined }));
  const invalidate = useInvalidateUsers();
  const update = useMutation(trpc.users.update.mutationOptions({ onSettled: invalidate }));

  return (
    <DataTable
      label="Users"
      columns={[
        {
          key: 'user',
          header: 'User',
          cell: (u) => (
            <>
              <div className="font-medium">{u.email}</div>
              {u.name ? <div className="text-xs text-muted-fg">{u.name}</div> : null}
            </>
          ),
        },
        {
          key: 'role',
          header: 'Role',
          cell: (u) =>
            canWrite ? (
              <Select aria-label={`Role of ${u.email}`} className="h-8 w-48" value={u.role} disabled={update.isPending} onChange={(e) => update.mutate({ userId: u.id, role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </Select>
            ) : (
              <Badge tone="info">{u.role}</Badge>
            ),
        },
        { key: 'status', header: 'Status', cell: (u) => (u.disabled ? <Badge tone="danger">disabled</Badge> : u.invitePending ? <Badge tone="warning">invited</Badge> : <Badge tone="success">active</Badge>) },
        { key: 'signin', header: 'Last sign-in', className: 'whitespace-nowrap text-muted-fg', cell: (u) => formatTime(u.lastSignInAt) },
        canWrite && {
          key: 'actions',
          header: 'Actions',
          className: 'space-x-2 whitespace-nowrap text-right',
          headerClassName: 'text-right',
          cell: (u) => (
            <>
              <ResetPasswordDialog userId={u.id} email={u.email} />
              {u.id !== viewer.userId ? (
                <Button size="sm" variant={u.disabled ? 'secondary' : 'ghost'} disabled={update.isPending} onClick={() => update.mutate({ userId: u.id, disabled: !u.disabled })}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </Button>
              ) : null}
            </>
          ),
        },
      ]}
      rows={list.data}
      rowKey={(u) => u.id}
      filters={<Input aria-label="Search users" placeholder="Search by email or name" className="max-w-xs" value={search} onChange={(e) => setSearch(e.target.value)} />}
      actions={canWrite ? <AddUserDialog onDone={invalidate} /> : null}
      notice={<ErrorAlert error={update.error} className="mx-5 mt-4" />}
      loading={list.isLoading}
      error={list.error}
      empty={search.trim() ? `No user matches “${search.trim()}”.` : 'No users yet.'}
    />
  );
}

function AddUserDialog({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<'password' | 'invite'>('invite');
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: onDone }));
  const fields = fieldErrors(create.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    create.mutate({
      email: String(f.get('email')),
      name: String(f.get('name') ?? ''),
      role: String(f.get('role')) as Role,
      password: mode === 'password' ? String(f.get('password')) : undefined,
    });
  }

  const inviteUrl = create.data?.inviteToken ? `${window.location.origin}/invite/${create.data.inviteToken}` : null;
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
          <UserPlus className="h-4 w-4" aria-hidden /> Add user
        </Button>
      </DialogTrigger>
      <DialogContent title="Add a user" description="Invite someone with a one-time link, or create the account with an initial password.">
        {create.isSuccess ? (
          <div className="grid gap-4">
            <p className="text-sm">
              <strong>{create.data.user.email}</strong> was added as {create.data.user.role}.
            </p>
            {inviteUrl ? (
              <Field label="Invitation link (shown once, valid for 7 days)">
                <Input readOnly value={inviteUrl} onFocus={(e) => e.currentTarget.select()} />
              </Field>
            ) : null}
            <Button
              onClick={() => {
                // Closing through state skips onOpenChange, so forget the one-time value here too.
                setOpen(false);
                create.reset();
              }}
            >
              Done
            </Button>
          </div>
        ) : (
          <form onSubmit={onSubmit} className="grid gap-4">
            <Field label="Email" error={fields.email}>
              <Input name="email" type="email" required />
            </Field>
            <Field label="Name" error={fields.name}>
              <Input name="name" />
            </Field>
            <Field label="Role" error={fields.role}>
              <Select name="role" defaultValue="viewer">
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </Select>
            </Field>
            <fieldset className="grid gap-2 text-sm">
              <legend className="mb-1 font-medium">Access</legend>
              <label className="flex items-center gap-2">
                <input type="radio" name="mode" checked={mode === 'invite'} onChange={() => setMode('invite')} /> Send an invitation link
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="mode" checked={mode === 'password'} onChange={() => setMode('password')} /> Set an initial password
              </label>
            </fieldset>
            {mode === 'password' ? (
              <Field label="Initial password" hint="At least 12 characters" error={fields.password}>
                <Input name="password" type="password" autoComplete="new-password" required />
              </Field>
            ) : null}
            <ErrorAlert error={create.error} besideFields />
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add user'}
            </Button>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

function ResetPasswordDialog({ userId, email }: { userId: string; email: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const reset = useMutation(trpc.users.resetPassword.mutationOptions({ onSuccess: () => setOpen(false) }));
  const fields = fieldErrors(reset.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) reset.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost">
          Reset password
        </Button>
      </DialogTrigger>
      <DialogContent title={`Reset the password of ${email}`}>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate({ userId, password: String(new FormData(e.currentTarget).get('password')) });
          }}
        >
          <Field label="New password" hint="At least 12 characters" error={fields.password ?? (reset.error && !Object.keys(fields).length ? errorMessage(reset.error) : null)}>
            <Input name="password" type="password" autoComplete="new-password" required />
          </Field>
          <Button type="submit" disabled={reset.isPending}>
            Set password
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
