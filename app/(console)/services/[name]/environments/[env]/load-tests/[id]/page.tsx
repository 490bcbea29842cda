// One load test of an environment: its verdict, each arm's figures, the checks and the charts.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { LoadTestPage } from '@/components/load-tests/load-test-page';

type Props = { params: Promise<{ name: string; env: string; id: string }> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name, env } = await params;
  return { title: `Load test · ${name} / ${env}` };
}

export default async function Page({ params }: Props) {
  const { name, env, id } = await params;
  if (!UUID.test(id)) notFound();
  return <LoadTestPage service={name} environment={env} id={id} />;
}
