import type { Metadata } from 'next';
import { DatasetPage, type DatasetView } from '@/components/evals/datasets/dataset-page';

type Props = { params: Promise<{ service: string; name: string }>; searchParams: Promise<{ view?: string; v?: string; from?: string; to?: string; q?: string; page?: string }> };

const positive = (s: string | undefined) => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, name } = await params;
  return { title: `${service}/${name} · datasets` };
}

export default async function Page({ params, searchParams }: Props) {
  const [{ service, name }, q] = await Promise.all([params, searchParams]);
  const view: DatasetView = q.view === 'diff' ? 'diff' : 'cases';
  return <DatasetPage service={service} name={name} view={view} v={positive(q.v)} from={positive(q.from)} to={positive(q.to)} q={(q.q ?? '').slice(0, 200)} page={positive(q.page) ?? 1} />;
}
