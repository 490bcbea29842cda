import type { Metadata } from 'next';
import { CreateReleaseForm } from '@/components/releases/create-release-form';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { PageHeader } from '@/components/ui/card';

type Props = { params: Promise<{ service: string }> };

export const metadata: Metadata = { title: 'Create release' };

export default async function NewReleasePage({ params }: Props) {
  const { service } = await params;
  return (
    <>
      <Breadcrumbs items={[{ href: `/releases?service=${service}`, label: 'Releases' }, { href: `/services/${service}`, label: service }, { label: 'Create release' }]} />
      <PageHeader title={`Create a release of ${service}`} description="A release never changes once created; the next one gets the next number." />
      <CreateReleaseForm service={service} />
    </>
  );
}
