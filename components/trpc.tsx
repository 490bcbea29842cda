'use client';
// The browser's tRPC client on TanStack Query: `useTRPC()` gives typed query and mutation options.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpLink, loggerLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import { MAX_BATCH_SIZE } from '@/server/api/limits';
import type { AppRouter } from '@/server/api/root';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** What procedures take and return, inferred from the router so forms and views never restate them. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Characters of JSON input above which a query is sent as a POST. */
const LONG_QUERY_INPUT = 1500;

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // Authorisation and validation failures will not fix themselves on a retry.
        retry: (count, err) => count < 2 && !/UNAUTHORIZED|FORBIDDEN|BAD_REQUEST|NOT_FOUND/.test(String((err as { data?: { code?: string } }).data?.code)),
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        loggerLink({ enabled: (op) => process.env.NODE_ENV === 'development' && op.direction === 'down' && op.result instanceof Error }),
        // A query carries its input in the URL, which servers cap at a few kilobytes; a large one (a pipeline
        // definition being validated as it is typed) goes as a POST instead.
        splitLink({
          condition: (op) => op.type === 'query' && JSON.stringify(op.input ?? null).length > LONG_QUERY_INPUT,
          true: httpLink({ url: '/api/trpc', transformer: superjson, methodOverride: 'POST' }),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson, maxURLLength: 6000, maxItems: MAX_BATCH_SIZE }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
