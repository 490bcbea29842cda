import type { Metadata } from 'next';
import { TokensPanel } from '@/components/settings/tokens-panel';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'API tokens' };

export default function TokensPage() {
  return (
    <>
      <PageHeader title="API tokens" description="Tokens are shown once when created and stored only as a hash. A token never has more rights than its creator." />
      <TokensPanel />
    </>
  );
}
