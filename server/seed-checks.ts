// The demo's production checks: staging and production keep samples of their traffic (text drift reads them), score
// a share of live answers with the `support-live` suite, run the `support-answers` smoke cases on a schedule and
// after every rollout step, and — besides the default triggers — send a signed retraining webhook to the reference
// model server's stand-in training intake (`/retrain`) when a drift report shows dataset drift.
import type { ProductionChecks } from '@/db/schema';
import { DEFAULT_CHECKS, DEFAULT_TRIGGERS } from './services/checks/settings';
import { updateChecks } from './services/checks/update';
import type { ServiceContext } from './services/context';
import { updateEnvironment } from './services/environments/update';
import { createSecret } from './services/secrets/create';
import { randomBytes } from 'node:crypto';

export async function seedDemoChecks(tx: ServiceContext, baseUrl: string): Promise<void> {
  const origin = new URL(baseUrl).origin;
  await createSecret(tx, {
    name: 'retrain-signing',
    purposes: ['webhook_signing'],
    services: ['support-bot'],
    origin,
    value: randomBytes(32).toString('hex'),
    description: 'Signs the demo’s retraining webhooks (the reference model server’s /retrain).',
  });
  const checks = (samplePercent: number, smokeSchedule: string): ProductionChecks => ({
    ...DEFAULT_CHECKS,
    drift: { ...DEFAULT_CHECKS.drift, everyMinutes: 60 },
    onlineEvals: { enabled: true, suite: 'support-live', samplePercent, dailyBudgetUsd: 1 },
    smoke: { enabled: true, schedule: smokeSchedule, suite: 'support-answers', cases: 3, afterRollouts: true },
    triggers: [
      ...DEFAULT_TRIGGERS,
      {
        id: 'retrain-on-drift',
        source: 'drift',
        enabled: true,
        feature: null,
        threshold: null,
        maxDrop: null,
        windowHours: 24,
        minCount: 0,
        actions: { notify: false, webhook: { url: `${origin}/retrain`, secret: 'retrain-signing' }, pipeline: false },
      },
    ],
  });
  await updateEnvironment(tx, { service: 'support-bot', environment: 'staging', gateway: { fallbackToStable: true, shadow: null, samplePercent: 100, upstreamTimeoutMs: 60_000 } });
  await updateEnvironment(tx, { service: 'support-bot', environment: 'production', gateway: { fallbackToStable: true, shadow: null, samplePercent: 20, upstreamTimeoutMs: 60_000 } });
  await updateChecks(tx, { service: 'support-bot', environment: 'staging', checks: checks(50, '*/30 * * * *') });
  await updateChecks(tx, { service: 'support-bot', environment: 'production', checks: checks(10, '*/15 * * * *') });
}
