// Sends the actions of trigger events: the notification (the environment's notification webhook, as alerts send
// it) and the signed retraining webhook. Each action is claimed before it is sent (`sending`), so however many
// deliveries overlap it goes out once; a failed one is tried again at the next delivery, MAX_ATTEMPTS in all. A
// webhook whose secret is missing, out of scope or refused by the outbound policy fails at once: trying again
// would not help. Only the answer's status and a short, redacted excerpt are kept.
import { createHmac } from 'node:crypto';
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Response } from 'undici';
import type { Db } from '@/db/client';
import { secrets, services, triggerEvents, environments, type ActionState, type TriggerEvent } from '@/db/schema';
import { publicUrl } from '@/server/env';
import { logger } from '@/server/logger';
import { fetchFailure, outboundFetch } from '@/server/outbound/connect';
import { answerExcerpt } from '@/server/outbound/excerpt';
import { isOutboundRefused } from '@/server/outbound/policy';
import { sendNotice } from '../notifications/webhook';
import { readSecretValue } from '../secrets/queries';
import { refusalOfUse } from '../secrets/scope';
import { triggerMessage, webhookBody } from './message';
import { readStart } from '@/server/lib/read-start';

export const MAX_ATTEMPTS = 3;
/** A claim older than this is taken to have died with its process; the attempt counts as failed. */
const STALE_CLAIM_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

type Action = 'notify' | 'webhook';

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the X-Slipway-Signature of a retraining webhook. */
export function triggerSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A delivery that must not be tried again (the configuration refuses it). */
class FinalFailure extends Error {}

export interface DeliveryResult {
  sent: number;
  failed: number;
}

/** Sends what is due: pending actions, and claims gone stale. `ids` limits it to those events (just fired). */
export async function deliverActions(db: Db, now: Date, ids?: string[]): Promise<DeliveryResult> {
  if (ids && !ids.length) return { sent: 0, failed: 0 };
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  const due = (col: typeof triggerEvents.notify | typeof triggerEvents.webhook): SQL =>
    or(sql`(${col}->>'state') = 'pending'`, sql`(${col}->>'state') = 'sending' and coalesce(${col}->>'claimedAt', '') < ${staleBefore}`)!;
  const rows = await db
    .select({ event: triggerEvents, service: services.name, protection: environments.protection })
    .from(triggerEvents)
    .innerJoin(services, eq(services.id, triggerEvents.serviceId))
    .innerJoin(environments, eq(environments.id, triggerEvents.environmentId))
    .where(and(ids ? inArray(triggerEvents.id, ids) : undefined, or(due(triggerEvents.notify), due(triggerEvents.webhook))))
    .orderBy(triggerEvents.at);
  const result: DeliveryResult = { sent: 0, failed: 0 };
  for (const row of rows) {
    for (const action of ['notify', 'webhook'] as const) {
      const outcome = await deliverOne(db, row.event, action, { service: row.service, notifySecret: row.protection.notifySecret ?? null }, now, staleBefore);
      if (outcome === 'sent') result.sent += 1;
      if (outcome === 'failed') result.failed += 1;
    }
  }
  return result;
}

async function deliverOne(db: Db, event: TriggerEvent, action: Action, where: { service: string; notifySecret: string | null }, now: Date, staleBefore: string): Promise<'sent' | 'failed' | 'none' | null> {
  const col = action === 'notify' ? triggerEvents.notify : triggerEvents.webhook;
  const before = event[action];
  const stale = before.state === 'sending' && (before.claimedAt ?? '') < staleBefore;
  if (before.state !== 'pending' && !stale) return null;
  // A claim that died counts as a failed attempt.
  const attempts = stale ? before.attempts + 1 : before.attempts;
  if (attempts >= MAX_ATTEMPTS) {
    await settle(db, event.id, action, { ...before, state: 'failed', attempts, claimedAt: null, error: before.error ?? 'the delivery was interrupted' }, before);
    return 'failed';
  }
  const claim: ActionState = { ...before, state: 'sending', attempts, claimedAt: now.toISOString() };
  const [claimed] = await db
    .update(triggerEvents)
    .set(action === 'notify' ? { notify: claim } : { webhook: claim })
    .where(and(eq(triggerEvents.id, event.id), sql`${col} = ${JSON.stringify(before)}::jsonb`))
    .returning({ id: triggerEvents.id });
  if (!claimed) return null;
  const full = { ...event, service: where.service };
  try {
    if (action === 'notify') {
      const sent = await sendNotice(db, { service: where.service, environment: event.environment, secretName: where.notifySecret }, triggerMessage(full, publicUrl()));
      const error = sent === 'none' ? (where.notifySecret ? `the notification secret "${where.notifySecret}" is missing or may not be used here` : 'the environment has no notification webhook (Protection → notification secret)') : null;
      await settle(db, event.id, action, { state: sent, attempts: attempts + 1, status: null, error, claimedAt: null }, claim);
      return sent;
    }
    const { status, excerpt } = await sendWebhook(db, full);
    await settle(db, event.id, action, { state: 'sent', attempts: attempts + 1, status, error: null, claimedAt: null, excerpt }, claim);
    return 'sent';
  } catch (err) {
    const problem = (err as Error).message;
    const tried = attempts + 1;
    const final = err instanceof FinalFailure || tried >= MAX_ATTEMPTS;
    const status = (err as { status?: number }).status ?? null;
    const excerpt = (err as { excerpt?: string }).excerpt ?? null;
    logger.warn({ eventId: event.id, environment: `${where.service}/${event.environment}`, action, attempts: tried, problem }, 'a trigger action failed');
    await settle(db, event.id, action, { state: final ? 'failed' : 'pending', attempts: tried, status, error: problem, claimedAt: null, excerpt }, claim);
    return 'failed';
  }
}

async function settle(db: Db, id: string, action: Action, state: ActionState, expected: ActionState): Promise<void> {
  const col = action === 'notify' ? triggerEvents.notify : triggerEvents.webhook;
  await db
    .update(triggerEvents)
    .set(action === 'notify' ? { notify: state } : { webhook: state })
    .where(and(eq(triggerEvents.id, id), sql`${col} = ${JSON.stringify(expected)}::jsonb`));
}

class WebhookAnswer extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly excerpt: string,
  ) {
    super(message);
  }
}

/** Signs and POSTs the event's body with the rule's secret, under the secret's scope and the outbound policy. */
async function sendWebhook(db: Db, event: TriggerEvent & { service: string }): Promise<{ status: number; excerpt: string }> {
  const hook = event.rule.actions.webhook;
  if (!hook) throw new FinalFailure('the rule has no webhook');
  const [secret] = await db.select().from(secrets).where(eq(secrets.name, hook.secret));
  if (!secret) throw new FinalFailure(`not signed or sent: no secret named "${hook.secret}" to sign the retraining webhook with`);
  const refusal = await refusalOfUse(db, secret, { purpose: 'webhook_signing', service: event.service, url: hook.url });
  if (refusal) throw new FinalFailure(`not signed or sent: ${refusal}`);
  const body = webhookBody(event, publicUrl());
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = triggerSignature(await readSecretValue(db, secret.id), timestamp, body);
  let res: Response;
  try {
    // Under the outbound policy; redirects are not followed (the signed body goes where the rule says, nowhere else).
    res = await outboundFetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'slipway-triggers',
        'x-slipway-event': `trigger.${event.source}`,
        'x-slipway-delivery': event.id,
        'x-slipway-timestamp': String(timestamp),
        'x-slipway-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    // The refusal names the address and the rule; the URL itself (it may carry a token) is never in the error.
    if (isOutboundRefused(cause)) throw new FinalFailure(`the retraining webhook is refused: ${cause.message}`);
    throw new Error(`the retraining webhook could not be reached (${(err as Error).name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : fetchFailure(err)})`);
  }
  const excerpt = answerExcerpt(await readStart(res, 4096));
  if (!res.ok) throw new WebhookAnswer(`the retraining webhook answered ${res.status}`, res.status, excerpt);
  return { status: res.status, excerpt };
}
