// Sends a message to an environment's notification webhook: a stored secret (purpose `notifications`) holding a
// Slack-compatible incoming-webhook URL, checked against the secret's scope at every use and sent under the
// outbound policy. The URL is never logged nor put in an error (it carries a token in its path).
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secrets } from '@/db/schema';
import { logger } from '@/server/logger';
import { outboundFetch } from '@/server/outbound/connect';
import { isOutboundRefused } from '@/server/outbound/policy';
import { readSecretValue } from '../secrets/queries';
import { refusalOfUse } from '../secrets/scope';

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export interface NoticeTarget {
  service: string;
  environment: string;
  /** The environment's `protection.notifySecret`. */
  secretName: string | null | undefined;
}

/**
 * Posts the message; 'none' when the environment has no usable webhook (no secret named, a missing secret, or one
 * whose scope refuses this use: logged as a warning). Throws when the webhook cannot be reached or refuses.
 */
export async function sendNotice(db: Db, target: NoticeTarget, message: SlackMessage): Promise<'sent' | 'none'> {
  if (!target.secretName) return 'none';
  const where = { environment: `${target.service}/${target.environment}`, secret: target.secretName };
  const [secret] = await db.select().from(secrets).where(eq(secrets.name, target.secretName));
  if (!secret) {
    logger.warn(where, 'the notification secret of this environment does not exist');
    return 'none';
  }
  const refusal = await refusalOfUse(db, secret, { purpose: 'notifications', service: target.service, url: null });
  if (refusal) {
    logger.warn(where, `no notification sent: ${refusal}`);
    return 'none';
  }
  const url = await readSecretValue(db, secret.id);
  // Under the outbound policy; redirects are not followed (an incoming webhook answers where it is).
  const res = await outboundFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'slipway-notify' }, body: JSON.stringify(message), redirect: 'manual', signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
    const cause = (err as { cause?: unknown }).cause;
    // The refusal names the rule and the address, never the URL.
    if (isOutboundRefused(cause)) throw new Error(`the notification webhook is refused: ${cause.message}`);
    throw new Error(`the notification webhook could not be reached (${(err as Error).name})`);
  });
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new Error(`the notification webhook answered ${res.status}`);
  return 'sent';
}
