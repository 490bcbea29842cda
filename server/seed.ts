// The demo: a `support-bot` service with three model versions, three prompt versions, three releases, eval
// datasets and suites, and its environments running #1 and #2, created through the same verbs as the UI, so a
// new user sees real data.
import { count } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { services } from '@/db/schema';
import { createService } from './services/services/create';
import { deploy } from './services/environments/deploy';
import { DEFAULT_ENVIRONMENTS } from './services/environments/settings';
import { updateEnvironment } from './services/environments/update';
import { overrideGate } from './services/gates/override';
import { moveLabel } from './services/labels/move';
import { registerModelVersion } from './services/models/register';
import { setModelStatus } from './services/models/set-status';
import { pushPrompt } from './services/prompts/push';
import { createRelease } from './services/releases/create';
import { seedDemoChecks } from './seed-checks';
import { seedDemoEvals } from './seed-evals';
import { seedDemoSafety } from './seed-safety';
import { withTransaction, type ServiceContext } from './services/context';

/** Where the demo's model versions point: the reference model server that `npm start` runs beside the app. */
export const demoModelBaseUrl = (port = 4010) => `http://127.0.0.1:${port}/v1`;

export async function hasAnyService(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(services);
  return (row?.n ?? 0) > 0;
}

export async function seedDemo(db: Db, opts: { modelServerPort?: number } = {}): Promise<void> {
  const baseUrl = demoModelBaseUrl(opts.modelServerPort);
  const ctx: ServiceContext = { actor: { kind: 'system', job: 'demo-seed' }, db, requestId: null };
  await withTransaction(ctx, async (tx) => {
    await createService(tx, { name: 'support-bot', description: 'Answers customer support questions from the help centre.' });
    // Production answers customers: besides the eval gate, a release must pass the safety and injection gates.
    await updateEnvironment(tx, { service: 'support-bot', environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: ['eval', 'safety', 'injection'] } });
    await registerModelVersion(tx, {
      model: 'support-llm',
      modelDescription: 'The model behind support-bot, served by the reference model server.',
      providerKind: 'openai-compatible',
      baseUrl,
      upstreamModel: 'ref-small',
      defaultParams: { temperature: 0.3, max_tokens: 512 },
      priceInputPer1M: 0.15,
      priceOutputPer1M: 0.6,
      contextWindow: 8192,
      lineage: { gitRepository: 'https://git.example.test/ml/support-llm', gitCommit: '1f3c5a7e9b2d4f6a8c0e1f3c5a7e9b2d4f6a8c0e', trainingRunUri: 'runs://support-llm/train/41' },
      tags: { team: 'support', tier: 'small' },
      description: 'Baseline fine-tune on 40k resolved tickets.',
    });
    await setModelStatus(tx, { model: 'support-llm', version: 1, status: 'validated', reason: 'passed the baseline eval suite' });
    await registerModelVersion(tx, {
      model: 'support-llm',
      providerKind: 'openai-compatible',
      baseUrl,
      upstreamModel: 'ref-small-v2',
      defaultParams: { temperature: 0.2, max_tokens: 512 },
      priceInputPer1M: 0.1,
      priceOutputPer1M: 0.4,
      contextWindow: 16384,
      lineage: { gitRepository: 'https://git.example.test/ml/support-llm', gitCommit: '7d9e1b3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b', trainingRunUri: 'runs://support-llm/train/57' },
      tags: { team: 'support', tier: 'small' },
      description: 'Retrained on 65k tickets with a longer context; cheaper per token.',
    });
    await pushPrompt(tx, {
      service: 'support-bot',
      prompt: 'answer',
      description: 'Answers one customer question.',
      messages: [
        { role: 'system', content: 'You are a support agent for {{product}}. Answer briefly and accurately.' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: [
        { name: 'product', type: 'string', required: false, default: 'Acme Cloud' },
        { name: 'question', type: 'string', required: true },
      ],
      params: { temperature: 0.3 },
      commitMessage: 'First answer prompt',
    });
    await pushPrompt(tx, {
      service: 'support-bot',
      prompt: 'tone',
      description: 'House style, included by other prompts.',
      messages: [{ role: 'system', content: 'Be friendly and plain-spoken. Never promise refunds; link to the policy instead.' }],
      commitMessage: 'House style',
    });
    const label = (prompt: string, name: string, version: number, reason: string) => moveLabel(tx, { target: { kind: 'prompt', service: 'support-bot', prompt }, label: name, version, reason });
    await label('tone', 'production', 1, 'house style approved');
    await pushPrompt(tx, {
      service: 'support-bot',
      prompt: 'answer',
      messages: [
        { include: 'tone:production' },
        { role: 'system', content: 'You are a support agent for {{product}}. Answer briefly and accurately.\nCite the help-centre article you used.' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: [
        { name: 'product', type: 'string', required: false, default: 'Acme Cloud' },
        { name: 'question', type: 'string', required: true },
      ],
      params: { temperature: 0.2 },
      responseSchema: null,
      commitMessage: 'Use the house style and cite sources',
    });
    await label('answer', 'production', 1, 'launch');
    await label('answer', 'staging', 2, 'trying citations');
    await moveLabel(tx, { target: { kind: 'model', model: 'support-llm' }, label: 'production', version: 1, reason: 'launch' });
    await createRelease(tx, { service: 'support-bot', model: 'support-llm@1', prompts: ['answer@1'], notes: 'Launch release', branch: 'main', source: 'seed' });
    await createRelease(tx, { service: 'support-bot', model: 'support-llm@2', prompts: ['answer@2', 'tone@1'], config: { max_tokens: 400 }, notes: 'Cheaper model, citations, house style', branch: 'main', source: 'seed' });
    // The launch state predates any suite: its gates are overridden, on the record, as an admin would.
    const launch = 'demo seed: the launch state, set before any suite existed';
    for (const gate of ['eval', 'safety', 'injection'] as const) await overrideGate(tx, { service: 'support-bot', release: 1, environment: 'production', gate, reason: launch });
    await overrideGate(tx, { service: 'support-bot', release: 2, environment: 'staging', gate: 'eval', reason: launch });
    await seedDemoEvals(tx, baseUrl);
    await seedDemoSafety(tx, baseUrl);
    // Production is protected: the demo's launch state is set directly, as the admin bypass it is.
    await deploy(tx, { service: 'support-bot', environment: 'production', routes: [{ release: 1, weight: 100 }], reason: 'launch', bypass: { reason: 'demo seed: the launch state of production' } });
    await deploy(tx, { service: 'support-bot', environment: 'staging', routes: [{ release: 2, weight: 100 }], reason: 'candidate for production' });
    await deploy(tx, { service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 100 }], reason: 'latest build' });
    await seedDemoChecks(tx, baseUrl);
  });
}
