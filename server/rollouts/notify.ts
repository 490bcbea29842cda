// Tells people about the release flow through the environment's notification webhook (a stored secret holding
// a Slack-compatible incoming-webhook URL): approval requests with links to approve or reject, and how each
// rollout ended. A failed notification is logged and never blocks or fails the rollout; the URL is never logged.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { approvalRequests, environments, rollouts, services } from '@/db/schema';
import { publicUrl } from '@/server/env';
import { sendNotice, type SlackMessage } from '@/server/services/notifications/webhook';

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
  if (!row?.env.protection.notifySecret) return;
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
  await sendNotice(db, { service: row.service, environment: row.env.name, secretName: row.env.protection.notifySecret }, message);
}
