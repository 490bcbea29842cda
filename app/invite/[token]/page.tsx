// Where an invited user sets their name and password.
import type { Metadata } from 'next';
import { AcceptInviteForm } from '@/components/settings/accept-invite-form';
import { Card } from '@/components/ui/card';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Accept invitation' };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <Card className="w-full max-w-sm p-8">
        <h1 className="text-2xl font-semibold tracking-tight">Join Slipway</h1>
        <p className="mt-1 text-sm text-muted-fg">Choose your name and a password to finish setting up your account.</p>
        <AcceptInviteForm token={token} />
      </Card>
    </main>
  );
}
