// The typed tRPC client the commands use, and where its URL and token come from (flags, then environment).
// The token is only ever put in the Authorization header; nothing here prints it.
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';
import { CliError, EXIT, usageError } from './errors';

export type Api = TRPCClient<AppRouter>;

export const DEFAULT_URL = 'http://localhost:3000';
const REQUEST_TIMEOUT_MS = 60_000;

export interface Connection {
  /** Base URL without a trailing slash (and without credentials, so it is safe to show). */
  url: string;
  token: string | undefined;
}

export function resolveConnection(flags: { url?: string; token?: string }, env: Record<string, string | undefined> = process.env): Connection {
  const raw = flags.url ?? (env.SLIPWAY_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usageError(`${flags.url ? '--url' : 'SLIPWAY_URL'} is not a URL; use e.g. http://localhost:3000`);
  }
  const name = flags.url ? '--url' : 'SLIPWAY_URL';
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`${name} must be an http(s) URL`);
  // fetch refuses URLs with credentials, and they must not end up in messages either.
  if (parsed.username || parsed.password) throw usageError(`${name} must not contain a user name or password; send the API token instead`);
  const url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  return { url, token: flags.token ?? (env.SLIPWAY_TOKEN || undefined) };
}

export function requireToken(conn: Connection): string {
  if (!conn.token) throw new CliError('SLIPWAY_TOKEN is not set; export an API token (slw_…) or pass --token', EXIT.auth);
  return conn.token;
}

/**
 * Anything that answers without JSON is not the Slipway API (a proxy page, another app on the port): say so
 * instead of failing to parse it.
 */
function guardedFetch(conn: Connection): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!(res.headers.get('content-type') ?? '').includes('application/json')) {
      await res.body?.cancel();
      throw new CliError(`${conn.url} did not answer like a Slipway server (HTTP ${res.status} at /api/trpc)`, EXIT.unreachable);
    }
    return res;
  };
}

export function createApi(conn: Connection): Api {
  const token = requireToken(conn);
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${conn.url}/api/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${token}`, 'user-agent': 'slipway-cli' },
        fetch: guardedFetch(conn),
      }),
    ],
  });
}
