'use client';
// Settings → Profile: who you are and changing your own password.
import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/form';
import { useViewer } from '@/components/viewer';

export function ProfilePanel() {
  const viewer = useViewer();
  const trpc = useTRPC();
  const form = useRef<HTMLFormElement>(null);
  const change = useMutation(trpc.users.changeOwnPassword.mutationOptions({ onSuccess: () => form.current?.reset() }));
  const fields = fieldErrors(change.error);
  return (
    <div className="grid gap-6">
      <Card>
        <CardHeader title="Account" />
        <dl className="grid grid-cols-[8rem_1fr] gap-y-2 px-5 py-4 text-sm">
          <dt className="text-muted-fg">Email</dt>
          <dd>{viewer.email}</dd>
          <dt className="text-muted-fg">Name</dt>
          <dd>{viewer.name || '—'}</dd>
          <dt className="text-muted-fg">Role</dt>
          <dd>
            <Badge tone="info">{viewer.role}</Badge>
          </dd>
        </dl>
      </Card>
      <Card>
        <CardHeader title="Change password" />
        <form
          ref={form}
          className="grid max-w-sm gap-4 px-5 py-4"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            change.mutate({ currentPassword: String(f.get('current')), newPassword: String(f.get('next')) });
          }}
        >
          <Field label="Current password" error={fields.currentPassword}>
            <Input name="current" type="password" autoComplete="current-password" required />
          </Field>
          <Field label="New password" hint="At least 12 characters" error={fields.newPassword}>
            <Input name="next" type="password" autoComplete="new-password" required />
          </Field>
          <ErrorAlert error={change.error} besideFields />
          {change.isSuccess ? (
            <p role="status" className="text-sm text-success">
              Password changed.
            </p>
          ) : null}
          <Button type="submit" className="justify-self-start" disabled={change.isPending}>
            Change password
          </Button>
        </form>
      </Card>
    </div>
  );
}
