import type { Metadata } from 'next';
import { PromptsList } from '@/components/prompts/prompts-list';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Prompts' };

export default async function PromptsPage({ searchParams }: { searchParams: Promise<{ service?: string }> }) {
  const { service } = await searchParams;
  return (
    <>
      <PageHeader title="Prompts" description="The prompt registry: immutable, content-addressed prompt versions with variables, response schemas and labels." />
      <PromptsList service={service || null} />
    </>
  );
}
