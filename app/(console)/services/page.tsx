import type { Metadata } from 'next';
import { ServicesList } from '@/components/services/services-list';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Services' };

export default function ServicesPage() {
  return (
    <>
      <PageHeader title="Services" description="Each LLM endpoint you release, with what its dev, staging and production environments run right now." />
      <ServicesList />
    </>
  );
}
