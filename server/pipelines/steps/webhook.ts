// webhook: POSTs the run, service and candidate to a URL, signed like Slipway's own generic webhook
// (`X-Slipway-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), and passes on a 2xx answer.
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { secrets } from '@/db/schema';
import { readSecretValue } from '@/server/services/secrets/queries';
import { refusalOfUse } from '@/server/services/secrets/scope';
import type { StepContext, StepOutcome } from './types';

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
    res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'x-slipway-signature': signature, 'user-agent': 'slipway-pipeline' }, body, signal: ctx.signal });
  } catch (err) {
    return { status: 'failed', outputs: {}, error: `could not reach ${url}: ${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}` };
  }
  const text = (await res.text()).slice(0, 500);
  ctx.log(`answered ${res.status}`);
  const outputs = { status: res.status, response: text };
  return res.ok ? { status: 'passed', outputs } : { status: 'failed', outputs, error: `${url} answered ${res.status}` };
}
