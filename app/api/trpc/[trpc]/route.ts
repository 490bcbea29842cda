// tRPC over HTTP at /api/trpc, for the browser (session cookie) and for scripts (Bearer API token).
import { randomUUID } from 'node:crypto';
import type { NextRequest } from 'next/server';
import { serveTrpc } from '@/server/api/http';
import { createInnerContext } from '@/server/api/trpc';
import { actorFromRequest } from '@/server/auth/request';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

function requestIdOf(req: NextRequest): string {
  const given = req.headers.get('x-request-id');
  return given && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
}

async function handler(req: NextRequest) {
  const rt = await getRuntime();
  const requestId = requestIdOf(req);
  return serveTrpc(req, {
    requestId,
    createContext: async () => {
      const { actor, authError } = await actorFromRequest(req);
      return createInnerContext({ actor, db: rt.database.db, requestId, authError });
    },
  });
}

export { handler as GET, handler as POST };
