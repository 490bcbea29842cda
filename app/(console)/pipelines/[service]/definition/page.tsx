// A service's pipeline definition: the YAML editor beside the step types it may use.
import type { Metadata } from 'next';
import { DefinitionEditor } from '@/components/pipelines/definition-editor';
import { StepCatalog } from '@/components/pipelines/step-catalog';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { PageHeader } from '@/components/ui/card';

type Props = { params: Promise<{ service: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${(await params).service} pipeline` };
}

export default async function PipelineDefinitionPage({ params }: Props) {
  const { service } = await params;
  return (
    <>
      <Breadcrumbs items={[{ href: `/pipelines?service=${service}`, label: 'Pipelines' }, { href: `/pipelines?service=${service}`, label: service }, { label: 'Definition' }]} />
      <PageHeader title={`${service} pipeline`} description="Branch rules decide whether a run only evaluates its candidate or also deploys it; stages of typed steps run in order." />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <DefinitionEditor service={service} />
        <StepCatalog />
      </div>
    </>
  );
}
