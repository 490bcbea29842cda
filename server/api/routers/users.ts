// Users: listing for everyone signed in; creating, inviting, changing roles and disabling for admins.
import { actorUserId } from '@/server/auth/actor';
import { createUser, createUserInput } from '@/server/services/users/create';
import { listUsers, listUsersInput } from '@/server/services/users/list';
import { acceptInvite, acceptInviteInput, changeOwnPassword, changeOwnPasswordInput, resetPassword, resetPasswordInput } from '@/server/services/users/passwords';
import { getUser, toPublicUser } from '@/server/services/users/shared';
import { updateUser, updateUserInput } from '@/server/services/users/update';
import { authedProcedure, publicProcedure, router, scopedProcedure } from '../trpc';

export const usersRouter = router({
  list: scopedProcedure('users:read').input(listUsersInput).query(({ ctx, input }) => listUsers(ctx, input)),
  create: scopedProcedure('users:write').input(createUserInput).mutation(({ ctx, input }) => createUser(ctx, input)),
  update: scopedProcedure('users:write').input(updateUserInput).mutation(({ ctx, input }) => updateUser(ctx, input)),
  resetPassword: scopedProcedure('users:write').input(resetPasswordInput).mutation(({ ctx, input }) => resetPassword(ctx, input)),
  changeOwnPassword: authedProcedure.input(changeOwnPasswordInput).mutation(({ ctx, input }) => changeOwnPassword(ctx, input)),
  acceptInvite: publicProcedure.input(acceptInviteInput).mutation(({ ctx, input }) => acceptInvite(ctx, input)),
  /** The signed-in user (or the creator of the calling token). */
  me: authedProcedure.query(async ({ ctx }) => {
    const userId = actorUserId(ctx.actor);
    return { actor: ctx.actor, user: userId ? toPublicUser(await getUser(ctx.db, userId)) : null };
  }),
});
