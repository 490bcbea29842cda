// GitHub webhooks (push, pull_request, ping); the logic lives in server/webhooks/handlers.ts.
import { getRuntime } from '@/server/runtime';
import { handleGithubWebhook } from '@/server/webhooks/handlers';

export const dynamic = 'force-dynamic';

export async function POST(req: Request) {
  return handleGithubWebhook(req, { db: (await getRuntime()).database.db });
}
