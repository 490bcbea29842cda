'use client';
// Placeholder until triggers land: the Checks tab imports this name.
import { Card, CardHeader } from '@/components/ui/card';

export function TriggerEvents(_: { service?: string; environment?: string }) {
  return (
    <Card role="region" aria-label="Trigger events">
      <CardHeader title="Trigger events" description="What crossed a rule, and the actions it started." />
    </Card>
  );
}
