'use client';
// Spend on the Monitoring page: cost per day over the range stacked by service, model version or release, and the
// month so far with its projection to the month's end and the budget where one is set.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { DailyCostChart, MonthChart } from '@/components/charts/daily-cost';
import { monthRows, pivotDaily } from '@/components/charts/shape';
import { formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { Segmented } from '@/components/ui/segmented';
import { LoadError, Loading } from '@/components/ui/status';
import { DASHBOARD_REFRESH_MS } from './environment-charts';
import { rangePhrase, type RangeInput } from './range-picker';

const GROUPS = [
  { id: 'service', label: 'Service' },
  { id: 'modelVersion', label: 'Model version' },
  { id: 'release', label: 'Release' },
] as const;
type GroupBy = (typeof GROUPS)[number]['id'];

/** The start of the current month (UTC), at a minute's precision so the query key holds still between renders. */
function monthStart(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

export function CostPanel({ range, service }: { range: RangeInput; service?: string }) {
  const trpc = useTRPC();
  const [groupBy, setGroupBy] = useState<GroupBy>('service');
  const live = 'range' in range;
  const cost = useQuery({ ...trpc.monitoring.cost.queryOptions({ ...range, service }), placeholderData: keepPreviousData, refetchInterval: live ? DASHBOARD_REFRESH_MS : false });
  // The month chart always covers this month, whatever the range: from its first day to the end of this minute.
  const [month] = useState(() => {
    const now = new Date();
    return { from: monthStart(now), to: new Date(Math.ceil(now.getTime() / 60_000) * 60_000).toISOString(), now };
  });
  const thisMonth = useQuery({ ...trpc.monitoring.cost.queryOptions({ from: month.from, to: month.to, service }), placeholderData: keepPreviousData });
  const days = cost.data?.days ?? [];
  const { rows, groups } = pivotDaily(days, (d) => d[groupBy]);
  const budgets = thisMonth.data?.budgets ?? [];
  const budget = service ? (budgets.find((b) => b.service === service)?.monthlyBudgetUsd ?? null) : budgets.length ? budgets.reduce((n, b) => n + b.monthlyBudgetUsd, 0) : null;
  const budgetLabel = service || budgets.length === 1 ? `budget ${budget === null ? '' : formatUsd(budget)}` : `budgets of ${budgets.length} services ${budget === null ? '' : formatUsd(budget)}`;

  return (
    <Card role="region" aria-label="Cost">
      <CardHeader title="Cost" description={`What the gateway's traffic${service ? ` to ${service}` : ''} cost, from the model versions' prices. Budgets are set per service (monthly).`} />
      <div className="grid grid-cols-1 gap-8 px-5 py-4 xl:grid-cols-2">
        <div>
          {cost.isLoading ? <Loading className="px-0" /> : null}
          <LoadError error={cost.error} className="px-0" />
          {cost.data ? (
            <DailyCostChart
              title="Cost per day"
              description={`${formatUsd(days.reduce((n, d) => n + d.costUsd, 0))} ${rangePhrase(range)}, by ${GROUPS.find((g) => g.id === groupBy)!.label.toLowerCase()}.`}
              rows={rows}
              groups={groups}
              empty={<>No spend {rangePhrase(range)}: cost is recorded for requests answered through the gateway by model versions with prices.</>}
              actions={
                <Segmented label="Cost by" options={GROUPS} value={groupBy} onChange={setGroupBy} />
              }
            />
          ) : null}
        </div>
        <div>
          {thisMonth.isLoading ? <Loading className="px-0" /> : null}
          <LoadError error={thisMonth.error} className="px-0" />
          {thisMonth.data ? (
            <MonthChart title="This month" rows={monthRows(thisMonth.data.days, month.now, thisMonth.data.projectedMonthUsd)} budgetUsd={budget} budgetLabel={budgetLabel.trim()} />
          ) : null}
        </div>
      </div>
    </Card>
  );
}
