// SLO alerts: what fires now (default) and the history (?status=all), for every environment or one service and
// environment (?service=…&environment=…, the links notifications carry).
import type { Metadata } from 'next';
import { AlertsPage } from '@/components/alerts/alerts-list';

export const metadata: Metadata = { title: 'Alerts' };

type Props = { searchParams: Promise<{ service?: string; environment?: string; status?: string }> };

export default async function Page({ searchParams }: Props) {
  const q = await searchParams;
  return <AlertsPage scope={{ service: q.service || undefined, environment: q.service ? q.environment || undefined : undefined }} tab={q.status === 'all' ? 'all' : 'firing'} />;
}
