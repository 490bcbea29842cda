// Serving the app router over HTTP (fetch Request in, Response out), for the Next.js route at /api/trpc and
// for tests that go through the same transport: batches capped, inputs deserialised by the router's transformer.
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { MAX_BATCH_SIZE } from './limits';
import { appRouter } from './root';
import type { Context } from './trpc';

export const TRPC_ENDPOINT = '/api/trpc';

export function serveTrpc(req: Request, opts: { requestId: string; createContext: () => Promise<Context> }): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    // Queries with large inputs arrive as POST (see components/trpc.tsx); they stay read-only queries.
    allowMethodOverride: true,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: opts.createContext,
    responseMeta: () => ({ headers: new Headers({ 'x-request-id': opts.requestId, 'cache-control': 'no-store' }) }),
  });
}
