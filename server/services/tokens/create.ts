// Creates an API token for the acting user; the plaintext is returned once, only its hash is kept.
import { z } from 'zod';
import { storableDate } from '@/server/lib/storable';
import { apiTokens } from '@/db/schema';
import { actorRole, actorUserId } from '@/server/auth/actor';
import { roleWithin } from '@/server/auth/permissions';
import { generateToken, hashToken, tokenDisplayPrefix } from '@/server/auth/tokens';
import { DomainError, forbidden, invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { roleSchema } from '../users/shared';
import { toPublicToken } from './shared';

export const createTokenInput = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  role: roleSchema,
  /** Absolute expiry; omit for a token that lasts until revoked. */
  expiresAt: storableDate().optional(),
});

export async function createToken(ctx: ServiceContext, input: z.input<typeof createTokenInput>) {
  requireScope(ctx, 'tokens:write');
  const data = createTokenInput.parse(input);
  const ownerId = actorUserId(ctx.actor);
  const ceiling = actorRole(ctx.actor);
  if (!ownerId || !ceiling) throw new DomainError('forbidden', 'Only a user (or a user’s token) can create API tokens');
  if (!roleWithin(data.role, ceiling)) throw forbidden(`role: a token cannot have a higher role than yours (${ceiling})`);
  if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) throw invalid('expiresAt', 'must be in the future');
  const token = generateToken();
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .insert(apiTokens)
      .values({ name: data.name, role: data.role, tokenHash: hashToken(token), prefix: tokenDisplayPrefix(token), userId: ownerId, expiresAt: data.expiresAt ?? null })
      .returning();
    await recordAudit(tx, {
      action: 'token.create',
      target: { kind: 'api_token', id: row!.id, label: row!.name },
      summary: `Created API token “${row!.name}” (${row!.role}${row!.expiresAt ? `, expires ${row!.expiresAt.toISOString()}` : ', no expiry'})`,
      changes: { name: row!.name, role: row!.role, expiresAt: row!.expiresAt?.toISOString() ?? null },
    });
    return { token, apiToken: toPublicToken(row!) };
  });
}
