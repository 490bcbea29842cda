// GET /api/metrics: the Prometheus exposition of this process, served by the custom server beside the gateway
// (whose counters it reads) without entering Next.js. With SLIPWAY_METRICS_TOKEN set, scrapes must send it as a
// bearer token; it is compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, METRICS_CONTENT_TYPE } from './metrics';

export const METRICS_PATH = '/api/metrics';

export function isMetricsRequest(url: string | undefined): boolean {
  return url === METRICS_PATH || Boolean(url?.startsWith(`${METRICS_PATH}?`));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the Authorization header carries the token (digests first, so lengths leak nothing either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  return timingSafeEqual(digest(presented), digest(token));
}

export async function serveMetrics(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Use GET\n');
    return;
  }
  if (token && !bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="slipway-metrics"', 'content-type': 'text/plain' }).end('Send the metrics token as Authorization: Bearer <SLIPWAY_METRICS_TOKEN>\n');
    return;
  }
  const body = await metrics().exposition();
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
