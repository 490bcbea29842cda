// Liveness and readiness for load balancers and the CLI; 503 when the database does not answer.
import { healthReport } from '@/server/health';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

export async function GET() {
  const report = await healthReport(await getRuntime());
  return Response.json(report, { status: report.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}
