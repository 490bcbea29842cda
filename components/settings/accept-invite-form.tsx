'use client';
// Accepts an invitation: sets the password, then sends the user to sign in.
import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/form';

export function AcceptInviteForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const accept = useMutation(trpc.users.acceptInvite.mutationOptions());
  const [mismatch, setMismatch] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const password = String(f.get('password'));
    setMismatch(password !== String(f.get('confirm')));
    if (password !== String(f.get('confirm'))) return;
    accept.mutate({ token, name: String(f.get('name')), password });
  }

  if (accept.isSuccess) {
    return (
      <p className="mt-6 text-sm">
        Your account is ready.{' '}
        <Link className="font-medium text-primary underline" href="/sign-in">
          Sign in as {accept.data.email}
        </Link>
      </p>
    );
  }
  const fields = fieldErrors(accept.error);
  return (
    <form onSubmit={onSubmit} className="mt-6 grid gap-4">
      <Field label="Name" error={fields.name}>
        <Input name="name" autoComplete="name" />
      </Field>
      <Field label="Password" hint="At least 12 characters" error={fields.password}>
        <Input name="password" type="password" autoComplete="new-password" required />
      </Field>
      <Field label="Confirm password" error={mismatch ? 'The two passwords differ' : null}>
        <Input name="confirm" type="password" autoComplete="new-password" required />
      </Field>
      <ErrorAlert error={accept.error} besideFields />
      <Button type="submit" disabled={accept.isPending}>
        Set password
      </Button>
    </form>
  );
}
