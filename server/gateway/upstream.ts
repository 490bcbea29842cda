// Connections to upstream model endpoints: one keep-alive undici pool per origin. Each new connection is judged
// by the outbound policy once, when it is opened (the resolved address is checked and used); requests on an open
// connection pay nothing more.
import { Pool } from 'undici';
import { outboundConnector } from '@/server/outbound/connect';
import { isOutboundRefused } from '@/server/outbound/policy';

const pools = new Map<string, Pool>();

export function poolFor(url: URL): Pool {
  let pool = pools.get(url.origin);
  if (!pool) {
    pool = new Pool(url.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000, connect: outboundConnector() });
    pools.set(url.origin, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

/** Errors where the request never reached a model: safe to try again. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED'].includes(code);
}

export function errorClassOf(err: unknown): string {
  const e = err as { code?: string; name?: string } | null;
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') return 'client_cancelled';
  if (isOutboundRefused(err)) return 'outbound_refused';
  if (e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') return 'upstream_timeout';
  if (isConnectionError(err)) return 'upstream_unreachable';
  return 'upstream_error';
}
