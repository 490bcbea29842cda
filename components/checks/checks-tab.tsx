'use client';
// An environment's Checks tab: the production checks besides drift — online quality per release over the page's
// range, the smoke tests (schedule, next run, last runs, Run now), load tests, and the events the trigger rules recorded.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { LoadTestsSection } from '@/components/load-tests/load-tests-section';
import { RangePicker, useRange } from '@/components/monitoring/range-picker';
import { OnlineQuality } from './online-quality';
import { SmokeRuns } from './smoke-runs';
import { TriggerEvents } from './trigger-events';

export function ChecksTab({ service, environment }: { service: string; environment: string }) {
  const [range, setRange] = useRange();
  const pathname = usePathname();
  return (
    <div className="grid grid-cols-1 gap-6 *:min-w-0">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="max-w-3xl text-sm text-muted-fg">
          Online evals, smoke tests, load tests and the triggers that act on them and on drift. What runs, how often and which rules fire is set under{' '}
          <Link href={`${pathname}?tab=settings`} className="text-primary hover:underline">
            Settings → Production checks
          </Link>
          .
        </p>
        <RangePicker value={range} onChange={setRange} />
      </div>
      <OnlineQuality service={service} environment={environment} range={range} />
      <SmokeRuns service={service} environment={environment} />
      <LoadTestsSection service={service} environment={environment} />
      <TriggerEvents service={service} environment={environment} />
    </div>
  );
}
