// Registry fixtures: a service with a model version, prompt versions and releases, built through the API.
import type { Db } from '@/db/client';
import { callerFor, makeUser } from './actors';

export async function seedRegistry(db: Db, service = 'support-bot') {
  const admin = await makeUser(db, { role: 'admin' });
  const api = callerFor(db, admin);
  await api.services.create({ name: service, description: 'Answers support tickets' });
  const model = await api.models.register({ model: `${service}-model`, providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small-1', priceInputPer1M: 0.5, priceOutputPer1M: 1.5 });
  const p1 = await api.prompts.push({
    service,
    prompt: 'answer',
    messages: [
      { role: 'system', content: 'You are a helpful support agent.' },
      { role: 'user', content: '{{question}}' },
    ],
    variables: [{ name: 'question', type: 'string', required: true }],
    commitMessage: 'first',
  });
  const r1 = await api.releases.create({ service, model: model.ref, prompts: ['answer@1'] });
  return { admin, api, model, p1, r1 };
}
