'use client';
// Email + password sign-in through next-auth, and a button per OAuth/OIDC provider.
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert } from '@/components/errors';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/form';
import { callbackPath } from '@/server/auth/callback-url';

const FAILED = 'Email or password is not right, or the account is disabled.';
const THROTTLED = 'Too many sign-in attempts. Wait a few minutes and try again.';

export function SignInForm({ providers, callbackUrl, initialError }: { providers: { id: string; name: string }[]; callbackUrl: string; initialError: string | null }) {
  const router = useRouter();
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  // Checked again here, against the origin the browser is on, before anything navigates.
  const next = () => callbackPath(callbackUrl, window.location.origin);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const res = await signIn('credentials', { email: String(form.get('email')), password: String(form.get('password')), redirect: false });
    setPending(false);
    if (res?.ok && !res.error) {
      router.replace(next());
      router.refresh();
    } else {
      setError(res?.error === 'TooManyAttempts' ? THROTTLED : FAILED);
    }
  }

  return (
    <div className="mt-6 grid gap-6">
      <form onSubmit={onSubmit} className="grid gap-4" aria-label="Sign in with email">
        <Field label="Email">
          <Input name="email" type="email" autoComplete="username" required autoFocus />
        </Field>
        <Field label="Password">
          <Input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <ErrorAlert error={error} />
        <Button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      {providers.length ? (
        <div className="grid gap-2 border-t border-border pt-6">
          {providers.map((p) => (
            <Button key={p.id} variant="secondary" onClick={() => void signIn(p.id, { callbackUrl: next() })}>
              Continue with {p.name}
            </Button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
