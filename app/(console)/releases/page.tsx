import type { Metadata } from 'next';
import { ReleasesList } from '@/components/releases/releases-list';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Releases' };

export default async function ReleasesPage({ searchParams }: { searchParams: Promise<{ service?: string }> }) {
  const { service } = await searchParams;
  return (
    <>
      <PageHeader title="Releases" description="Immutable bundles of a model version, prompt versions and configuration, numbered per service." />
      <ReleasesList service={service || null} />
    </>
  );
}
