'use client';
// Placeholder until online evals land: the Checks tab imports this name.
import type { RangeInput } from '@/components/monitoring/range-picker';
import { Card, CardHeader } from '@/components/ui/card';

export function OnlineQuality(_: { service: string; environment: string; range: RangeInput }) {
  return (
    <Card role="region" aria-label="Online quality">
      <CardHeader title="Online quality" description="Pass rate of sampled live requests per release." />
    </Card>
  );
}
