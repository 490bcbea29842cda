// Sets where a service's code lives: an https git URL (with an access token from the secret store) or a local
// path, the webhook secret, and the manifest's path. Secrets are named here, never given.
import { z } from 'zod';
import { serviceRepositories } from '@/db/schema';
import { invalid } from '@/server/errors';
import { literalAddressRefusal } from '@/server/outbound/policy';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { bindSecret } from '../secrets/scope';
import { isGitRepository, isLocalRepository, manifestPathSchema, repositoryOf, repositoryUrlSchema } from './shared';

export const setRepositoryInput = z.object({
  service: slugSchema,
  url: repositoryUrlSchema,
  /** The secret holding an access token for https URLs; left out keeps the current one, null removes it. */
  tokenSecret: slugSchema.nullable().optional(),
  /** The secret webhooks are signed with; left out keeps the current one, null removes it. */
  webhookSecret: slugSchema.nullable().optional(),
  manifestPath: manifestPathSchema.optional(),
});

export async function setRepository(ctx: ServiceContext, input: z.input<typeof setRepositoryInput>) {
  requireScope(ctx, 'services:write');
  const data = setRepositoryInput.parse(input);
  const refused = isLocalRepository(data.url) ? null : literalAddressRefusal(data.url);
  if (refused) throw invalid('url', refused);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const before = await repositoryOf(tx.db, service.id);
    const tokenSecret = data.tokenSecret === undefined ? (before?.tokenSecret ?? null) : data.tokenSecret;
    const webhookSecret = data.webhookSecret === undefined ? (before?.webhookSecret ?? null) : data.webhookSecret;
    const manifestPath = data.manifestPath ?? before?.manifestPath ?? 'slipway.yaml';
    if (isLocalRepository(data.url)) {
      if (tokenSecret) throw invalid('tokenSecret', 'a local repository takes no access token; set tokenSecret to null');
      if (!(await isGitRepository(data.url))) throw invalid('url', `${data.url} is not a git repository on this server`);
    }
    const values = {
      url: data.url,
      // git sends the token to the repository's host; the webhook secret only checks what arrives here.
      tokenSecretId: tokenSecret
        ? (await bindSecret(tx, { field: 'tokenSecret', name: tokenSecret, purpose: 'repository_token', service: service.name, url: data.url, boundTo: `tokenSecret of ${service.name}'s repository` })).id
        : null,
      webhookSecretId: webhookSecret ? (await bindSecret(tx, { field: 'webhookSecret', name: webhookSecret, purpose: 'webhook_signing', service: service.name, url: null, boundTo: `webhookSecret of ${service.name}` })).id : null,
      manifestPath,
      updatedAt: new Date(),
    };
    await tx.db
      .insert(serviceRepositories)
      .values({ serviceId: service.id, ...values })
      .onConflictDoUpdate({ target: serviceRepositories.serviceId, set: values });
    const shown = (r: { url: string; tokenSecret: string | null; webhookSecret: string | null; manifestPath: string } | null) =>
      r && { url: r.url, tokenSecret: r.tokenSecret, webhookSecret: r.webhookSecret, manifestPath: r.manifestPath };
    const after = { url: data.url, tokenSecret, webhookSecret, manifestPath };
    const changes = diffValues(shown(before) ?? {}, after);
    await recordAudit(tx, {
      action: 'repository.set',
      target: { kind: 'service', id: service.id, label: service.name },
      summary: !before ? `Set the repository of ${service.name} to ${data.url}` : changes.length ? `Changed the repository of ${service.name}: ${changes.map((c) => c.path).join(', ')}` : `No change to the repository of ${service.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return { service: service.name, ...after, kind: isLocalRepository(data.url) ? ('local' as const) : ('https' as const) };
  });
}
