// Counts of refused webhook deliveries, by provider and reason, for the metrics endpoint. Refused deliveries are
// never written to the database (anyone can send them), so these in-process counters are their only trace.
import type { Provider } from './delivery';
import type { SignatureProblem } from './signature';

export type RejectionReason = SignatureProblem | 'no_webhook_secret' | 'unknown_service' | 'bad_request' | 'too_large';

export interface RejectionCount {
  provider: Provider;
  reason: RejectionReason;
  count: number;
}

// On globalThis: Next's bundled route code and the custom server may each load this module.
const KEY = Symbol.for('slipway.webhookRejections');
type Holder = { [KEY]?: Map<string, RejectionCount> };
const holder = globalThis as Holder;
const counts = () => (holder[KEY] ??= new Map());

export function countRejection(provider: Provider, reason: RejectionReason): void {
  const key = `${provider}:${reason}`;
  const entry = counts().get(key);
  if (entry) entry.count += 1;
  else counts().set(key, { provider, reason, count: 1 });
}

/** Every counter since the process started, sorted by provider and reason. */
export function webhookRejections(): RejectionCount[] {
  return [...counts().values()].map((c) => ({ ...c })).sort((a, b) => a.provider.localeCompare(b.provider) || a.reason.localeCompare(b.reason));
}

/** Total refusals for one provider (and reason), for tests and quick checks. */
export function rejectionCount(provider: Provider, reason?: RejectionReason): number {
  return webhookRejections()
    .filter((c) => c.provider === provider && (!reason || c.reason === reason))
    .reduce((n, c) => n + c.count, 0);
}
