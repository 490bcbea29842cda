// Monitoring: every environment's traffic, errors, latency and cost, a release comparison and spend per day;
// `?service=`, `?range=` (or `?from=&to=`) and `?compare=service/environment` keep the view in the URL.
import type { Metadata } from 'next';
import { MonitoringPage } from '@/components/monitoring/monitoring-page';

export const metadata: Metadata = { title: 'Monitoring' };

export default function Page() {
  return <MonitoringPage />;
}
