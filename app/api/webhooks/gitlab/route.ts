// GitLab webhooks (Push Hook, Merge Request Hook); the logic lives in server/webhooks/handlers.ts.
import { getRuntime } from '@/server/runtime';
import { handleGitlabWebhook } from '@/server/webhooks/handlers';

export const dynamic = 'force-dynamic';

export async function POST(req: Request) {
  return handleGitlabWebhook(req, { db: (await getRuntime()).database.db });
}
