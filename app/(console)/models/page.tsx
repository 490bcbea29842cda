import type { Metadata } from 'next';
import { ModelsList } from '@/components/models/models-list';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Models' };

export default function ModelsPage() {
  return (
    <>
      <PageHeader title="Models" description="The model registry: immutable model versions pinned by hash and digest, with prices, lineage and labels." />
      <ModelsList />
    </>
  );
}
