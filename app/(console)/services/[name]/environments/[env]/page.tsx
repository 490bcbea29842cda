import type { Metadata } from 'next';
import { EnvironmentPage } from '@/components/services/environment-page';

type Props = { params: Promise<{ name: string; env: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name, env } = await params;
  return { title: `${name} / ${env}` };
}

export default async function Page({ params }: Props) {
  const { name, env } = await params;
  return <EnvironmentPage service={name} environment={env} />;
}
