// One service's evals: suites, datasets and runs, one tab each (`?tab=`); `?release=N` opens Run eval on that candidate.
import type { Metadata } from 'next';
import { ServiceEvals } from '@/components/evals/service-evals';
import { evalTab } from '@/components/evals/tabs';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { PageHeader } from '@/components/ui/card';

type Props = { params: Promise<{ service: string }>; searchParams: Promise<{ tab?: string; release?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${(await params).service} evals` };
}

export default async function ServiceEvalsPage({ params, searchParams }: Props) {
  const { service } = await params;
  const { tab, release } = await searchParams;
  return (
    <>
      <Breadcrumbs items={[{ href: '/evals', label: 'Evals' }, { label: service }]} />
      <PageHeader title={`${service} evals`} description="Datasets of cases, suites that score a release on them, and the runs that compared a candidate with its baseline." />
      <ServiceEvals service={service} tab={evalTab(tab)} release={release && /^\d+$/.test(release) ? Number(release) : undefined} />
    </>
  );
}
