import { KeyRound, LockKeyhole, UserRound, Users, Workflow } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Settings' };

const SECTIONS = [
  { href: '/settings/users', title: 'Users', text: 'Who can sign in and with which role.', icon: Users },
  { href: '/settings/tokens', title: 'API tokens', text: 'Tokens for scripts, CI and the CLI.', icon: KeyRound },
  { href: '/settings/secrets', title: 'Secrets', text: 'Provider API keys and webhook secrets, stored encrypted.', icon: LockKeyhole },
  { href: '/settings/jobs', title: 'Jobs', text: 'The jobs engine, its functions, their runs and failures.', icon: Workflow },
  { href: '/settings/profile', title: 'Profile', text: 'Your account and password.', icon: UserRound },
];

export default function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {SECTIONS.map(({ href, title, text, icon: Icon }) => (
          <Link key={href} href={href} className="rounded-lg focus-visible:outline-2 focus-visible:outline-ring">
            <Card className="h-full p-5 hover:bg-muted/50">
              <Icon className="mb-3 h-5 w-5 text-primary" aria-hidden />
              <h2 className="font-semibold">{title}</h2>
              <p className="mt-1 text-sm text-muted-fg">{text}</p>
            </Card>
          </Link>
        ))}
      </div>
    </>
  );
}
