// An environment's production checks: defaults until saved; a save is validated as a whole (the schema, then the
// suites, dataset, model version and webhook secrets it names) and nothing changes when any part is wrong; a good
// save is audited and read back whole; null goes back to the defaults; an engineer may not save.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, type ProductionChecks } from '@/db/schema';
import { DEFAULT_CHECKS, DEFAULT_TRIGGERS } from '@/server/services/checks/settings';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { evalService, questionCases, storeDataset } from '../helpers/eval-run-fixtures';

const S = 'support-bot';
let database: TestDatabase;
let api: Awaited<ReturnType<typeof evalService>>['api'];

const SUITE = `description: Live answers
dataset: questions
assertions:
  - type: not-is-refusal
  - type: icontains
    value: "{{expected}}"
`;

function good(): ProductionChecks {
  return {
    drift: { ...DEFAULT_CHECKS.drift, everyMinutes: 30, reference: { kind: 'dataset', dataset: 'questions', version: 1 } },
    onlineEvals: { enabled: true, suite: 'live', samplePercent: 10, dailyBudgetUsd: 2 },
    smoke: { enabled: true, schedule: '*/10 * * * *', suite: 'live', cases: 3, afterRollouts: true },
    triggers: [{ ...DEFAULT_TRIGGERS[0]!, id: 'retrain', actions: { notify: false, webhook: { url: 'https://retrain.example.com/hook', secret: 'retrain-signing' }, pipeline: true } }],
  };
}

/** Good checks whose retraining webhook calls `url`. */
const hooked = (url: string): ProductionChecks => ({ ...good(), triggers: [{ ...good().triggers![0]!, actions: { notify: false, pipeline: false, webhook: { url, secret: 'retrain-signing' } } }] });

beforeAll(async () => {
  database = await freshDatabase();
  let serviceId: string;
  ({ api, serviceId } = await evalService(database.db, S));
  await storeDataset(database.db, serviceId, 'questions', questionCases(4));
  await api.evals.saveSuite({ service: S, name: 'live', yaml: SUITE });
  await api.evals.saveSuite({ service: S, name: 'guard', yaml: 'type: safety\ndescription: built-in cases\n' });
  await api.secrets.create({ name: 'retrain-signing', purposes: ['webhook_signing'], value: 'whsec-0123456789abcdef' });
  await api.secrets.create({ name: 'chat-hook', purposes: ['notifications'], value: 'https://hooks.example.com/T0/x' });
  // An embeddings model whose key belongs to another service: this one may not send it.
  await api.services.create({ name: 'other-bot', description: 'Another service' });
  await api.secrets.create({ name: 'other-key', purposes: ['provider_key'], services: ['other-bot'], origin: 'https://embed.example.com', value: 'sk-other-0123456789' });
  await api.models.register({ model: 'embedder', providerKind: 'openai-compatible', baseUrl: 'https://embed.example.com/v1', upstreamModel: 'embed-1', apiKeySecret: 'other-key' });
});
afterAll(() => database.close());

describe('production checks settings', () => {
  it('reads the defaults until saved', async () => {
    const view = await api.checks.get({ service: S, environment: 'production' });
    expect(view).toMatchObject({ custom: false, checks: DEFAULT_CHECKS, triggers: DEFAULT_TRIGGERS });
    expect(view.checks.drift).toMatchObject({ enabled: true, everyMinutes: 60, reference: { kind: 'release-start', hours: 24 }, datasetDriftShare: 0.5 });
  });

  it('refuses a bad value or a bad reference at its field, and changes nothing', async () => {
    const cases: [ProductionChecks, RegExp][] = [
      [{ ...good(), smoke: { ...good().smoke, schedule: 'every day' } }, /smoke.*schedule.*cron expression/s],
      [{ ...good(), onlineEvals: { ...good().onlineEvals, samplePercent: 120 } }, /samplePercent.*from 0 to 100/s],
      [{ ...good(), onlineEvals: { ...good().onlineEvals, suite: 'nope' } }, /checks\.onlineEvals\.suite: support-bot has no eval suite named "nope"/],
      [{ ...good(), smoke: { ...good().smoke, suite: 'guard' } }, /checks\.smoke\.suite: "guard" is a safety suite/],
      [{ ...good(), drift: { ...good().drift, reference: { kind: 'dataset', dataset: 'questions', version: 9 } } }, /checks\.drift\.reference\.version: dataset "questions" has no version 9/],
      [{ ...good(), drift: { ...good().drift, embeddingsModel: 'nothing@1' } }, /checks\.drift\.embeddingsModel: no model version nothing@1/],
      [{ ...good(), drift: { ...good().drift, embeddingsModel: 'embedder@1' } }, /checks\.drift\.embeddingsModel: embedder@1: .*other-bot/],
      [{ ...good(), triggers: [{ ...good().triggers![0]!, actions: { notify: false, pipeline: false, webhook: { url: 'https://retrain.example.com/hook', secret: 'chat-hook' } } }] }, /checks\.triggers\.0\.actions\.webhook\.secret: .*webhook/i],
      [{ ...good(), triggers: [{ ...good().triggers![0]!, actions: { notify: false, pipeline: false, webhook: { url: 'http://169.254.169.254/latest', secret: 'retrain-signing' } } }] }, /checks\.triggers\.0\.actions\.webhook\.url/],
      [{ ...good(), triggers: [good().triggers![0]!, good().triggers![0]!] }, /is used by another rule/],
      [{ ...good(), triggers: [{ ...good().triggers![0]!, cooldownHours: -1 }] }, /checks\.triggers\.0\.cooldownHours: must be 0 or more hours/],
      [hooked('ftp://retrain.example.com/hook'), /checks\.triggers\.0\.actions\.webhook\.url.*must be an http\(s\) URL, not ftp:/s],
      [hooked('file:///etc/passwd'), /checks\.triggers\.0\.actions\.webhook\.url.*must be an http\(s\) URL/s],
      [hooked('https://ml:hunter2@retrain.example.com/hook'), /checks\.triggers\.0\.actions\.webhook\.url.*must not carry credentials/s],
      [hooked('https://ml@retrain.example.com/hook'), /checks\.triggers\.0\.actions\.webhook\.url.*must not carry credentials/s],
    ];
    for (const [checks, message] of cases) {
      await expect(api.checks.update({ service: S, environment: 'production', checks }), String(message)).rejects.toThrow(message);
    }
    expect((await api.checks.get({ service: S, environment: 'production' })).custom).toBe(false);
    const audits = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'checks.update'));
    expect(audits).toEqual([]);
  });

  it('saves valid checks, audited, and reads them back; null goes back to the defaults', async () => {
    const saved = await api.checks.update({ service: S, environment: 'production', checks: good() });
    expect(saved).toMatchObject({ custom: true, checks: good(), triggers: good().triggers });
    expect((await api.checks.get({ service: S, environment: 'production' })).checks).toEqual(good());
    const [audit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'checks.update')));
    expect(audit?.summary).toMatch(/Changed the production checks of support-bot\/production: .*drift\.everyMinutes/);
    // Saving the same again writes nothing more.
    await api.checks.update({ service: S, environment: 'production', checks: good() });
    expect(await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'checks.update'))).toHaveLength(1);
    const back = await api.checks.update({ service: S, environment: 'production', checks: null });
    expect(back).toMatchObject({ custom: false, checks: DEFAULT_CHECKS });
  });

  it('reads a period given without a zone as UTC on any server, and refuses a loose one at its field', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      const period = (from: string, to: string) => ({ ...good(), drift: { ...good().drift, reference: { kind: 'period' as const, from, to } } });
      const saved = await api.checks.update({ service: S, environment: 'staging', checks: period('2026-12-01T10:00', '2026-12-01T14:00:00+02:00') });
      expect(saved.checks.drift.reference).toEqual({ kind: 'period', from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T12:00:00.000Z' });
      // 10:00 UTC is not after 12:00+02:00 (10:00 UTC): the zone-less end is not read as Los Angeles time.
      await expect(api.checks.update({ service: S, environment: 'staging', checks: period('2026-12-01T10:00:00+02:00', '2026-12-01T08:00') })).rejects.toThrow(/checks\.drift\.reference\.to.*must end after it starts/s);
      await expect(api.checks.update({ service: S, environment: 'staging', checks: period('Dec 1 2026 10:00', '2026-12-02T00:00:00Z') })).rejects.toThrow(/checks\.drift\.reference\.from.*ISO date-time.*UTC/s);
      await api.checks.update({ service: S, environment: 'staging', checks: null });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('shows a webhook URL whole only to those who may change the checks: others read its query values redacted', async () => {
    const url = 'https://retrain.example.com/hook?token=s3cr3t-value&team=ml#frag';
    await api.checks.update({ service: S, environment: 'staging', checks: hooked(url) });
    try {
      expect((await api.checks.get({ service: S, environment: 'staging' })).checks.triggers![0]!.actions.webhook!.url).toBe(url);
      for (const role of ['engineer', 'viewer'] as const) {
        const reader = callerFor(database.db, await makeUser(database.db, { role }));
        const view = await reader.checks.get({ service: S, environment: 'staging' });
        expect(view.checks.triggers![0]!.actions.webhook).toEqual({ url: 'https://retrain.example.com/hook?token=redacted&team=redacted', secret: 'retrain-signing' });
        expect(JSON.stringify(view)).not.toContain('s3cr3t-value');
      }
    } finally {
      await api.checks.update({ service: S, environment: 'staging', checks: null });
    }
  });

  it('lets an engineer read but not change them', async () => {
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer', email: 'eng@example.com' }));
    await expect(engineer.checks.get({ service: S, environment: 'staging' })).resolves.toMatchObject({ custom: false });
    await expect(engineer.checks.update({ service: S, environment: 'staging', checks: good() })).rejects.toThrow(/environments:write|not allowed|forbidden/i);
  });
});
