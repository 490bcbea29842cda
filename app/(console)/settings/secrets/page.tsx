import type { Metadata } from 'next';
import { SecretsPanel } from '@/components/settings/secrets-panel';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Secrets' };

export default function SecretsPage() {
  return (
    <>
      <PageHeader title="Secrets" description="Provider API keys and webhook secrets. Only a mask of each value is ever shown." />
      <SecretsPanel />
    </>
  );
}
