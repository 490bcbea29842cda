import type { Metadata } from 'next';
import { PromptForm } from '@/components/prompts/prompt-form';
import { ServicePicker } from '@/components/registry/service-picker';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Card, PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'New prompt' };

export default async function NewPromptPage({ searchParams }: { searchParams: Promise<{ service?: string }> }) {
  const { service } = await searchParams;
  return (
    <>
      <Breadcrumbs items={[{ href: service ? `/prompts?service=${service}` : '/prompts', label: 'Prompts' }, { label: 'New prompt' }]} />
      <PageHeader title="New prompt" description="Write the first version; later pushes add versions, never change them." />
      {service ? (
        <PromptForm service={service} />
      ) : (
        <Card className="p-5">
          <ServicePicker value={null} basePath="/prompts/new" />
        </Card>
      )}
    </>
  );
}
