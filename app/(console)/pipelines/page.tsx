// The Pipelines section: pick a service, see its runs and start one.
import type { Metadata } from 'next';
import { PipelineRuns } from '@/components/pipelines/runs-list';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Pipelines' };

export default async function PipelinesPage({ searchParams }: { searchParams: Promise<{ service?: string }> }) {
  const { service } = await searchParams;
  return (
    <>
      <PageHeader title="Pipelines" description="Every candidate goes through its service's pipeline: stages of typed steps, started by hand, from the CLI or by a git push." />
      <PipelineRuns service={service || null} />
    </>
  );
}
