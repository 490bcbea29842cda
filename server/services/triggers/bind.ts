// At save time (`checks.update` calls it inside its transaction): every retraining webhook of the rules must name a
// stored secret of purpose `webhook_signing` that this service may use and that may be sent to the webhook's URL
// (binding it to a new origin needs secrets:write, and records the grant). Otherwise an error names the rule's field
// and the rule, and nothing is saved; so does a webhook URL at a literal address the outbound policy refuses.
// Every delivery checks the same again.
import type { Secret, TriggerRule } from '@/db/schema';
import { invalid } from '@/server/errors';
import { literalAddressRefusal } from '@/server/outbound/policy';
import type { ServiceContext } from '../context';
import { bindSecret } from '../secrets/scope';

export async function bindTriggerSecrets(ctx: ServiceContext, target: { service: string; environment: string }, rules: TriggerRule[] | null): Promise<Secret[]> {
  const bound: Secret[] = [];
  for (const [i, rule] of (rules ?? []).entries()) {
    const hook = rule.actions.webhook;
    if (!hook) continue;
    // A literal address the outbound policy refuses is refused now; host names are judged when they are resolved.
    const refused = literalAddressRefusal(hook.url);
    if (refused) throw invalid(`triggers.${i}.actions.webhook.url`, refused);
    bound.push(
      await bindSecret(ctx, {
        field: `triggers.${i}.actions.webhook.secret`,
        name: hook.secret,
        purpose: 'webhook_signing',
        service: target.service,
        url: hook.url,
        boundTo: `retraining webhook of trigger ${rule.id} of ${target.service}/${target.environment}`,
      }),
    );
  }
  return bound;
}
