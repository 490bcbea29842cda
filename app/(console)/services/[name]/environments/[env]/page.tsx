// One environment of a service; `?tab=` picks overview, rollouts, history or settings, and `?range=` (or
// `?from=&to=`) the range of the overview's charts and traffic.
import type { Metadata } from 'next';
import { EnvironmentPage } from '@/components/services/environment-page';
import { environmentTab } from '@/components/services/environment-tabs';

type Props = { params: Promise<{ name: string; env: string }>; searchParams: Promise<{ tab?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name, env } = await params;
  return { title: `${name} / ${env}` };
}

export default async function Page({ params, searchParams }: Props) {
  const { name, env } = await params;
  const { tab } = await searchParams;
  return <EnvironmentPage service={name} environment={env} tab={environmentTab(tab)} />;
}
