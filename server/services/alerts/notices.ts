// Delivers alert notifications: one message when an alert fires and one when it resolves, to the environment's
// webhook (the one approvals use). Each is claimed before it is sent, so however many evaluations overlap it goes
// out once; a failed delivery is tried again at the next evaluations, up to MAX_ATTEMPTS in all.
import { and, eq, or } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { alerts, environments, services, type NoticeState } from '@/db/schema';
import { publicUrl } from '@/server/env';
import { logger } from '@/server/logger';
import { sendNotice } from '../notifications/webhook';
import { alertMessage } from './message';

const MAX_ATTEMPTS = 3;

export interface NoticeResult {
  sent: number;
  failed: number;
}

export async function deliverAlertNotices(db: Db): Promise<NoticeResult> {
  const due = await db
    .select({ alert: alerts, service: services.name, protection: environments.protection })
    .from(alerts)
    .innerJoin(services, eq(services.id, alerts.serviceId))
    .innerJoin(environments, eq(environments.id, alerts.environmentId))
    .where(or(eq(alerts.fireNotice, 'pending'), eq(alerts.resolveNotice, 'pending')));
  const result: NoticeResult = { sent: 0, failed: 0 };
  for (const row of due) {
    // The firing message first, so a resolve never arrives before the fire it ends.
    for (const event of ['fire', 'resolve'] as const) {
      const column = event === 'fire' ? alerts.fireNotice : alerts.resolveNotice;
      const [claimed] = await db
        .update(alerts)
        .set(event === 'fire' ? { fireNotice: 'sending' } : { resolveNotice: 'sending' })
        .where(and(eq(alerts.id, row.alert.id), eq(column, 'pending')))
        .returning();
      if (!claimed) continue;
      if (event === 'resolve' && claimed.fireNotice === 'pending') {
        await settle(db, claimed.id, event, 'pending', claimed.noticeAttempts, claimed.noticeError);
        continue;
      }
      try {
        const outcome = await sendNotice(db, { service: row.service, environment: claimed.environment, secretName: row.protection.notifySecret }, alertMessage({ ...claimed, service: row.service }, event, publicUrl()));
        await settle(db, claimed.id, event, outcome, 0, null);
        if (outcome === 'sent') result.sent += 1;
      } catch (err) {
        const attempts = claimed.noticeAttempts + 1;
        const problem = (err as Error).message;
        logger.warn({ alertId: claimed.id, environment: `${row.service}/${claimed.environment}`, event, attempts, problem }, 'alert notification failed');
        await settle(db, claimed.id, event, attempts < MAX_ATTEMPTS ? 'pending' : 'failed', attempts, problem);
        result.failed += 1;
      }
    }
  }
  return result;
}

/** Records how a delivery went; attempts count the failures of the message in hand (a success starts afresh and clears the last error). */
async function settle(db: Db, id: string, event: 'fire' | 'resolve', state: NoticeState, attempts: number, problem: string | null): Promise<void> {
  await db
    .update(alerts)
    .set({ ...(event === 'fire' ? { fireNotice: state } : { resolveNotice: state }), noticeAttempts: attempts, noticeError: problem })
    .where(eq(alerts.id, id));
}
