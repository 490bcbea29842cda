// Calls one release's model endpoint directly, as the gateway would call it (its rendered parameters, its key,
// the outbound policy on the gateway's pools), a few times: the smoke check of a warmed blue-green release.
import type { Db } from '@/db/client';
import type { Service } from '@/db/schema';
import { headersOf, upstreamBody } from './chat';
import { loadTargets } from './snapshot';
import { poolFor } from './upstream';

export interface ProbeResult {
  /** One sentence per failed request (empty when every one answered with choices). */
  problems: string[];
  /** Milliseconds per request that answered. */
  timings: number[];
}

export async function probeRelease(db: Db, service: Service, release: { id: string; number: number }, requests: number, environmentId?: string): Promise<ProbeResult> {
  const problems: string[] = [];
  const timings: number[] = [];
  const target = (await loadTargets(db, service, [release.id], environmentId)).get(release.id);
  if (!target?.url) return { problems: [target?.noEndpoint ?? `#${release.number} has no model endpoint to call`], timings };
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    try {
      const { payload } = upstreamBody(target, { messages: [{ role: 'user', content: `Smoke check ${i + 1}: reply briefly.` }], max_tokens: 32 });
      const url = new URL(target.url);
      // The gateway's pools: connections are judged by the outbound policy; a refusal fails the check, naming the rule.
      const res = await poolFor(url).request({ path: url.pathname + url.search, method: 'POST', headers: headersOf(target), body: JSON.stringify({ ...payload, stream: false }), headersTimeout: 30_000, bodyTimeout: 30_000 });
      const text = await res.body.text();
      timings.push(Math.round(performance.now() - started));
      if (res.statusCode !== 200) problems.push(`request ${i + 1} answered ${res.statusCode}`);
      else if (!(JSON.parse(text) as { choices?: unknown[] }).choices?.length) problems.push(`request ${i + 1} answered without choices`);
    } catch (err) {
      problems.push(`request ${i + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { problems, timings };
}
