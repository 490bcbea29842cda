// The demo's eval part: a grader model version for model-graded assertions, a third support-llm version on the
// misbehaving reference model with its release (#3), and the datasets and suites that decide the `eval` gate, so a
// new user can run the gate at once and see #3 fail and #2 pass against production's #1.
import { demoEvalContent, DEMO_GRADER } from './evals/demo-cases';
import { pushDataset } from './services/datasets/push';
import { saveEvalSuite } from './services/evals/save-suite';
import { registerModelVersion } from './services/models/register';
import { seedDemoInjection } from './seed-injection';
import { createRelease } from './services/releases/create';
import type { ServiceContext } from './services/context';

export async function seedDemoEvals(tx: ServiceContext, baseUrl: string): Promise<void> {
  await registerModelVersion(tx, {
    model: 'support-llm',
    providerKind: 'openai-compatible',
    baseUrl,
    upstreamModel: 'ref-degraded',
    defaultParams: { temperature: 0.2, max_tokens: 512 },
    priceInputPer1M: 0.05,
    priceOutputPer1M: 0.2,
    contextWindow: 8192,
    lineage: { gitRepository: 'https://git.example.test/ml/support-llm', gitCommit: '2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d', trainingRunUri: 'runs://support-llm/distill/3' },
    tags: { team: 'support', tier: 'distilled' },
    description: 'Distilled from v2: a third of the price. Run the eval gate before trusting it.',
  });
  await registerModelVersion(tx, {
    model: DEMO_GRADER.model,
    modelDescription: 'Judge for model-graded eval assertions (llm-rubric, factuality).',
    providerKind: 'openai-compatible',
    baseUrl,
    upstreamModel: DEMO_GRADER.upstreamModel,
    defaultParams: { temperature: 0 },
    priceInputPer1M: 0.05,
    priceOutputPer1M: 0.2,
    contextWindow: 16384,
    tags: { purpose: 'eval-judge' },
    description: 'Grades support answers against a rubric.',
  });
  await createRelease(tx, { service: 'support-bot', model: 'support-llm@3', prompts: ['answer@2', 'tone@1'], config: { max_tokens: 400 }, notes: 'Distilled model, same prompts as #2', branch: 'main', source: 'seed' });
  const content = demoEvalContent();
  for (const d of content.datasets) {
    await pushDataset(tx, { service: 'support-bot', name: d.name, description: d.description, file: d.file, commitMessage: 'Demo cases', source: 'seed' });
  }
  for (const s of content.suites) await saveEvalSuite(tx, { service: 'support-bot', name: s.name, yaml: s.yaml, source: 'seed' });
  await seedDemoInjection(tx);
}
