'use client';
// Placeholder until smoke tests land: the Checks tab imports this name.
import { Card, CardHeader } from '@/components/ui/card';

export function SmokeRuns(_: { service: string; environment: string }) {
  return (
    <Card role="region" aria-label="Smoke tests">
      <CardHeader title="Smoke tests" description="Scheduled calls through the gateway scored with a suite’s assertions." />
    </Card>
  );
}
