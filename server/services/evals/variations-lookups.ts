// A suite version by `name[@version]`, as prompt-variations inputs name it (errors name the input field).
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalSuites, evalSuiteVersions, type EvalSuiteVersion, type Service } from '@/db/schema';
import { invalid } from '@/server/errors';

export async function suiteVersionByRef(db: Db, service: Service, text: string, field = 'suite'): Promise<EvalSuiteVersion & { name: string }> {
  const [name, version] = text.split('@');
  const [suite] = await db
    .select()
    .from(evalSuites)
    .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, name!)))
    .limit(1);
  if (!suite) throw invalid(field, `${service.name} has no eval suite "${name}"`);
  const [v] = await db
    .select()
    .from(evalSuiteVersions)
    .where(and(eq(evalSuiteVersions.suiteId, suite.id), version ? eq(evalSuiteVersions.version, Number(version)) : undefined))
    .orderBy(desc(evalSuiteVersions.version))
    .limit(1);
  if (!v) throw invalid(field, version ? `eval suite "${name}" has no version ${version}` : `eval suite "${name}" has no version yet`);
  return { ...v, name: suite.name };
}

