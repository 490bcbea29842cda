// Tells people about the release flow through the environment's notification webhook (a stored secret holding
// a Slack-compatible incoming-webhook URL): approval requests with links to approve or reject, and how each
// rollout ended. A failed notification is logged and never blocks or fails the rollout; the URL is never logged.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { approvalRequests, environments, rollouts, secrets, services } from '@/db/schema';
import { publicUrl } from '@/server/env';
import { outboundFetch } from '@/server/outbound/connect';
import { isOutboundRefused } from '@/server/outbound/policy';
import { logger } from '@/server/logger';
import { readSecretValue } from '@/server/services/secrets/queries';
import { refusalOfUse } from '@/server/services/secrets/scope';

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const STATUS_WORDS: Record<string, string> = {
  'awaiting-approval': 'needs approval',
  succeeded: 'succeeded',
  'rolled-back': 'was rolled back',
  aborted: 'was aborted',
  rejected: 'was rejected',
  'approval-timed-out': 'timed out waiting for approval',
  failed: 'failed',
};

/** The message for a rollout event: plain text for clients that only read `text`, and Block Kit for Slack. */
export function rolloutMessage(input: {
  service: string;
  environment: string;
  rolloutNumber: number;
  releaseNumber: number;
  status: string;
  reason: string | null;
  requestedBy: string;
  approval: { id: string; required: number } | null;
  baseUrl: string;
}): SlackMessage {
  const envUrl = `${input.baseUrl}/services/${input.service}/environments/${input.environment}`;
  const what = `${input.service}#${input.releaseNumber} to ${input.environment}`;
  const text = `Rollout ${input.rolloutNumber} of ${what} ${STATUS_WORDS[input.status] ?? input.status}${input.reason ? `: ${input.reason}` : ''} (asked by ${input.requestedBy})`;
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } }];
  if (input.approval) {
    const link = `${input.baseUrl}/approvals?request=${input.approval.id}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `Needs ${input.approval.required} approval(s) from an approver who did not ask for it.` } });
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', url: `${link}&decision=approve` },
        { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', url: `${link}&decision=reject` },
      ],
    });
    return { text: `${text}\nApprove: ${link}&decision=approve\nReject: ${link}&decision=reject`, blocks };
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${envUrl}|Open ${input.service}/${input.environment}>` }] });
  return { text, blocks };
}

/** Sends the rollout's current state to its environment's webhook, if one is configured. */
export async function notifyRollout(db: Db, rolloutId: string, status: string): Promise<void> {
  const [row] = await db
    .select({ rollout: rollouts, service: services.name, env: environments })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(eq(rollouts.id, rolloutId));
  const secretName = row?.env.protection.notifySecret;
  if (!row || !secretName) return;
  const [secret] = await db.select().from(secrets).where(eq(secrets.name, secretName));
  if (!secret) {
    logger.warn({ environment: `${row.service}/${row.env.name}`, secret: secretName }, 'the notification secret of this environment does not exist');
    return;
  }
  const refusal = await refusalOfUse(db, secret, { purpose: 'notifications', service: row.service, url: null });
  if (refusal) {
    logger.warn({ environment: `${row.service}/${row.env.name}`, secret: secretName }, `no notification sent: ${refusal}`);
    return;
  }
  const [approval] = status === 'awaiting-approval' ? await db.select().from(approvalRequests).where(eq(approvalRequests.rolloutId, rolloutId)) : [];
  const message = rolloutMessage({
    service: row.service,
    environment: row.env.name,
    rolloutNumber: row.rollout.number,
    releaseNumber: row.rollout.releaseNumber,
    status,
    reason: status === 'awaiting-approval' ? null : row.rollout.reason,
    requestedBy: row.rollout.requestedBy,
    approval: approval ? { id: approval.id, required: approval.requiredApprovals } : null,
    baseUrl: publicUrl(),
  });
  const url = await readSecretValue(db, secret.id);
  // Under the outbound policy; redirects are not followed (an incoming webhook answers where it is).
  const res = await outboundFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'slipway-notify' }, body: JSON.stringify(message), redirect: 'manual', signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
    const cause = (err as { cause?: unknown }).cause;
    // The refusal names the rule and the address, never the URL (it may carry a token in its path).
    if (isOutboundRefused(cause)) throw new Error(`the notification webhook is refused: ${cause.message}`);
    throw new Error(`the notification webhook could not be reached (${(err as Error).name})`);
  });
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new Error(`the notification webhook answered ${res.status}`);
}
