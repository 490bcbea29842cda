// Revokes an API token: its owner may revoke it, and so may an admin. Revoking twice is a no-op error.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiTokens } from '@/db/schema';
import { actorRole, actorUserId } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { notFound, precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { toPublicToken } from './shared';

export const revokeTokenInput = z.object({ tokenId: z.uuid('must be a token id') });

export async function revokeToken(ctx: ServiceContext, input: z.input<typeof revokeTokenInput>) {
  requireScope(ctx, 'tokens:write');
  const { tokenId } = revokeTokenInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const [t] = await tx.db.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).limit(1);
    // Someone else's token is reported as missing unless the actor administers tokens.
    if (!t || (t.userId !== actorUserId(ctx.actor) && !can(actorRole(ctx.actor), 'tokens:admin'))) throw notFound('API token');
    if (t.revokedAt) throw precondition('This token is already revoked');
    const [after] = await tx.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, t.id)).returning();
    await recordAudit(tx, { action: 'token.revoke', target: { kind: 'api_token', id: t.id, label: t.name }, summary: `Revoked API token “${t.name}”` });
    return toPublicToken(after!);
  });
}
