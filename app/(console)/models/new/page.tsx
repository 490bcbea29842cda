import type { Metadata } from 'next';
import { RegisterModelForm } from '@/components/models/register-form';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Register a model version' };

export default async function RegisterModelPage({ searchParams }: { searchParams: Promise<{ model?: string }> }) {
  const { model } = await searchParams;
  return (
    <>
      <Breadcrumbs items={[{ href: '/models', label: 'Models' }, ...(model ? [{ href: `/models/${model}`, label: model }] : []), { label: 'Register version' }]} />
      <PageHeader title="Register a model version" description="Everything a deployment needs to reproduce this model, fixed once registered." />
      <RegisterModelForm model={model} />
    </>
  );
}
