// API tokens for scripts and CI.
import { createToken, createTokenInput } from '@/server/services/tokens/create';
import { listTokens, listTokensInput } from '@/server/services/tokens/list';
import { revokeToken, revokeTokenInput } from '@/server/services/tokens/revoke';
import { router, scopedProcedure } from '../trpc';

export const tokensRouter = router({
  list: scopedProcedure('tokens:read').input(listTokensInput).query(({ ctx, input }) => listTokens(ctx, input)),
  create: scopedProcedure('tokens:write').input(createTokenInput).mutation(({ ctx, input }) => createToken(ctx, input)),
  revoke: scopedProcedure('tokens:write').input(revokeTokenInput).mutation(({ ctx, input }) => revokeToken(ctx, input)),
});
