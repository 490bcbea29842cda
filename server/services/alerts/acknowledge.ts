// Acknowledging a firing alert: someone is on it. It keeps firing until its burn stops; the acknowledgement is
// shown with it and audited.
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { alerts, services } from '@/db/schema';
import { notFound, precondition } from '@/server/errors';
import { recordAudit, recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by } from '../registry-shared';
import { alertSubject } from './message';

export const acknowledgeInput = z.object({ id: z.uuid('must be an alert id') });

export async function acknowledgeAlert(ctx: ServiceContext, input: z.input<typeof acknowledgeInput>) {
  requireScope(ctx, 'environments:deploy');
  const data = acknowledgeInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db.select({ alert: alerts, service: services.name }).from(alerts).innerJoin(services, eq(services.id, alerts.serviceId)).where(eq(alerts.id, data.id));
    if (!row) throw notFound('Alert');
    if (row.alert.acknowledgedAt) {
      recordNoChange(tx);
      return { id: row.alert.id, acknowledgedBy: row.alert.acknowledgedBy, acknowledgedAt: row.alert.acknowledgedAt };
    }
    if (row.alert.status !== 'firing') throw precondition('This alert has already resolved; only a firing alert can be acknowledged');
    const [done] = await tx.db
      .update(alerts)
      .set({ acknowledgedBy: by(tx), acknowledgedAt: new Date() })
      .where(and(eq(alerts.id, data.id), isNull(alerts.acknowledgedAt)))
      .returning();
    await recordAudit(tx, {
      action: 'alert.acknowledge',
      target: { kind: 'environment', id: row.alert.environmentId, label: `${row.service}/${row.alert.environment}` },
      summary: `Acknowledged the ${row.alert.severity} alert on ${alertSubject(row.alert)} of ${row.service}/${row.alert.environment}`,
    });
    return { id: done!.id, acknowledgedBy: done!.acknowledgedBy, acknowledgedAt: done!.acknowledgedAt };
  });
}
