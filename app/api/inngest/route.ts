// The Inngest serve endpoint: the jobs engine syncs (PUT) and calls (POST) the app's functions here. Calls must be
// signed with the signing key: in embedded mode the SDK runs in its cloud mode, where it verifies every call, and
// syncs must be signed too; an unsigned or badly signed request gets 401 and runs nothing.
import type { NextRequest } from 'next/server';
import { serve } from 'inngest/next';
import { inngest } from '@/inngest/client';
import { servedFunctions } from '@/inngest/functions';
import { env } from '@/server/env';
import { internalOrigin, jobsEngine } from '@/server/executor/settings';

export const dynamic = 'force-dynamic';

type Handlers = ReturnType<typeof serve>;
let handlers: Handlers | undefined;

// Built on the first request: the options depend on validated settings, which `next build` must not need.
function current(): Handlers {
  if (!handlers) {
    const e = env();
    const embedded = jobsEngine(e) === 'embedded';
    handlers = serve({
      client: inngest,
      functions: servedFunctions(),
      // The executor calls the URL the app registers; over loopback it never leaves the machine.
      ...(embedded ? { serveOrigin: internalOrigin(e), enableUnauthedSync: false } : {}),
    });
  }
  return handlers;
}

export const GET = (req: NextRequest, ctx: unknown) => current().GET(req, ctx);
export const POST = (req: NextRequest, ctx: unknown) => current().POST(req, ctx);
export const PUT = (req: NextRequest, ctx: unknown) => current().PUT(req, ctx);
