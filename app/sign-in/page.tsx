// The sign-in page: email and password, plus any configured OAuth/OIDC providers.
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/sign-in-form';
import { Card } from '@/components/ui/card';
import { callbackPath, DEFAULT_CALLBACK_PATH } from '@/server/auth/callback-url';
import { oauthProviders } from '@/server/auth/next-auth';
import { currentUser } from '@/server/auth/request';
import { publicUrl } from '@/server/env';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

const ERRORS: Record<string, string> = {
  CredentialsSignin: 'Email or password is not right, or the account is disabled.',
  AccessDenied: 'This account may not sign in here. Ask an admin to invite you first.',
  TooManyAttempts: 'Too many sign-in attempts. Wait a few minutes and try again.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; callbackUrl?: string }> }) {
  if (await currentUser()) redirect(DEFAULT_CALLBACK_PATH);
  const { error, callbackUrl } = await searchParams;
  const rt = await getRuntime();
  const providers = oauthProviders(rt);
  // Only paths on this origin are followed after sign-in.
  const next = callbackPath(callbackUrl, publicUrl(rt.env));
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <Card className="w-full max-w-sm p-8">
        <h1 className="text-2xl font-semibold tracking-tight">Sign in to Slipway</h1>
        <p className="mt-1 text-sm text-muted-fg">Release control for your LLM endpoints.</p>
        <SignInForm providers={providers} callbackUrl={next} initialError={error ? (ERRORS[error] ?? 'Sign-in failed. Try again.') : null} />
      </Card>
    </main>
  );
}
