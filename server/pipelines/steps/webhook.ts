// webhook: POSTs the run, service and candidate to a URL, signed like Slipway's own generic webhook
// (`X-Slipway-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), and passes on a 2xx answer. The request
// and every redirect hop go only where the outbound policy allows; the step keeps the answer's status and a short,
// redacted excerpt of its body, never the body itself.
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Response } from 'undici';
import { secrets } from '@/db/schema';
import { fetchFailure, outboundFetch } from '@/server/outbound/connect';
import { answerExcerpt } from '@/server/outbound/excerpt';
import { isOutboundRefused } from '@/server/outbound/policy';
import { readSecretValue } from '@/server/services/secrets/queries';
import { refusalOfUse } from '@/server/services/secrets/scope';
import type { StepContext, StepOutcome } from './types';
import { readStart } from '@/server/lib/read-start';

export function signPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function webhookStep(ctx: StepContext): Promise<StepOutcome> {
  const { url, secret: secretName, headers } = ctx.step.inputs as { url: string; secret: string; headers: Record<string, string> };
  const [secret] = await ctx.db.select().from(secrets).where(eq(secrets.name, secretName));
  if (!secret) return { status: 'failed', outputs: {}, error: `no secret named "${secretName}" to sign the request with` };
  const refusal = await refusalOfUse(ctx.db, secret, { purpose: 'webhook_signing', service: ctx.service.name, url });
  if (refusal) return { status: 'failed', outputs: {}, error: `not signed or sent: ${refusal}` };
  const body = JSON.stringify({
    event: 'pipeline.step',
    service: ctx.service.name,
    run: { number: ctx.run.number, mode: ctx.run.mode, targetEnvironment: ctx.run.targetEnvironment, trigger: ctx.run.trigger },
    release: { number: ctx.release.number, ref: `${ctx.service.name}#${ctx.release.number}` },
    step: ctx.step.name,
  });
  const signature = signPayload(await readSecretValue(ctx.db, secret.id), body, Math.floor(Date.now() / 1000));
  ctx.log(`POST ${url}`);
  let res: Response;
  try {
    // Under the outbound policy: every connection, redirect hops included, goes only to an allowed address.
    res = await outboundFetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'x-slipway-signature': signature, 'user-agent': 'slipway-pipeline' }, body, signal: ctx.signal });
  } catch (err) {
    // A refusal names the address and the rule on its own (a redirect's target too).
    const error = isOutboundRefused((err as { cause?: unknown }).cause) ? fetchFailure(err) : `could not reach ${url}: ${fetchFailure(err)}`;
    ctx.log(error);
    return { status: 'failed', outputs: {}, error };
  }
  // Viewers read the outputs: only the status and a short, redacted excerpt of the answer are kept.
  const excerpt = answerExcerpt(await readStart(res, 4096));
  ctx.log(`answered ${res.status}`);
  const outputs = { status: res.status, excerpt };
  return res.ok ? { status: 'passed', outputs } : { status: 'failed', outputs, error: `${url} answered ${res.status}` };
}
