// The generic, Slipway-signed webhook for CI systems and scripts; the logic lives in server/webhooks/handlers.ts.
import { getRuntime } from '@/server/runtime';
import { handleGenericWebhook } from '@/server/webhooks/handlers';

export const dynamic = 'force-dynamic';

export async function POST(req: Request, { params }: { params: Promise<{ service: string }> }) {
  const { service } = await params;
  return handleGenericWebhook(req, service, { db: (await getRuntime()).database.db });
}
