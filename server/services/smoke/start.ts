// Run now: a smoke test of an environment asked for by a person or a token (smoke.run, `slipway smoke run`). The
// run's row and its audit event are written in the request's transaction; the calls go out once it has committed
// (they pass through the gateway, which records them in the database), and the verb answers with the finished run.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { smokeRuns, type SmokeRun } from '@/db/schema';
import { precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { checksOf } from '../checks/settings';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { entryAt } from '../environments/state';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { executeSmokeRun } from './run';

export const startSmokeInput = z.object({ service: slugSchema, environment: slugSchema });

export async function startSmokeRun(ctx: ServiceContext, input: z.input<typeof startSmokeInput>): Promise<SmokeRun> {
  requireScope(ctx, 'environments:deploy');
  const data = startSmokeInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const label = `${service.name}/${env.name}`;
    const settings = checksOf(env).smoke;
    if (!settings.suite) throw precondition(`${label} names no eval suite for smoke tests: set checks.smoke.suite in its production checks`);
    if (!(await entryAt(tx.db, env.id))) throw precondition(`${label} routes no release yet: deploy one first`);
    const [run] = await tx.db
      .insert(smokeRuns)
      .values({ serviceId: service.id, environmentId: env.id, environment: env.name, trigger: 'manual', key: `manual:${randomUUID()}`, requestedBy: by(tx), status: 'running' })
      .returning();
    await recordAudit(tx, {
      action: 'smoke.run',
      target: { kind: 'environment', id: env.id, label },
      summary: `Ran the smoke tests of ${label} (suite ${settings.suite}, ${settings.cases} case${settings.cases === 1 ? '' : 's'} per release)`,
      changes: { run: run!.id },
    });
    // The answer is this object: filled in with the finished run once the calls are done, before it is sent.
    const answer: SmokeRun = { ...run! };
    // After the commit: the gateway and the run's own writes must see the row, and no transaction may stay open
    // while the gateway records the calls.
    const db = tx.outerDb ?? tx.db;
    await onCommit(tx, async () => {
      const [current] = await db.select().from(smokeRuns).where(eq(smokeRuns.id, run!.id));
      Object.assign(answer, await executeSmokeRun(db, current!, service, env));
    });
    return answer;
  });
}
