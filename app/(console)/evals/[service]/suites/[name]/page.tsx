// One eval suite: its YAML editor (checked line by line as you type), its versions and its runs.
import type { Metadata } from 'next';
import { SuitePageBody } from '@/components/evals/suite-editor';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';

type Props = { params: Promise<{ service: string; name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, name } = await params;
  return { title: `${service} suite ${name}` };
}

export default async function SuitePage({ params }: Props) {
  const { service, name } = await params;
  return (
    <>
      <Breadcrumbs items={[{ href: '/evals', label: 'Evals' }, { href: `/evals/${service}`, label: service }, { label: `Suite ${name}` }]} />
      <SuitePageBody service={service} name={name} />
    </>
  );
}
