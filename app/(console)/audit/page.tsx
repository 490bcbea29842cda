import type { Metadata } from 'next';
import { AuditLog } from '@/components/audit/audit-log';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Audit' };

export default function AuditPage() {
  return (
    <>
      <PageHeader title="Audit log" description="Every change made in Slipway: who, what, to which target, and when. Events are written in the same transaction as the change." />
      <AuditLog />
    </>
  );
}
