// Finds prompt versions by number, label or newest, and builds the resolver composition uses.
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { labels, promptVersions, type Service } from '@/db/schema';
import { notFound } from '@/server/errors';
import { parseRef, promptByName } from '../registry-shared';
import type { Resolver } from './template';

export async function findPromptVersion(db: Db, service: Service, name: string, ref: { version?: number; label?: string }) {
  const prompt = await promptByName(db, service, name);
  let version = ref.version;
  if (ref.label) {
    const [l] = await db
      .select()
      .from(labels)
      .where(and(eq(labels.promptId, prompt.id), eq(labels.name, ref.label)))
      .limit(1);
    if (!l) throw notFound(`Label "${ref.label}" on prompt ${name}`);
    version = l.version;
  }
  const [row] = await db
    .select()
    .from(promptVersions)
    .where(and(eq(promptVersions.promptId, prompt.id), version ? eq(promptVersions.version, version) : undefined))
    .orderBy(desc(promptVersions.version))
    .limit(1);
  if (!row) throw notFound(version ? `Prompt version ${name}@${version}` : `Any version of prompt ${name}`);
  return { prompt, version: row };
}

/** Includes resolve within the same service. `override` stands in for a version being pushed. */
export function dbResolver(db: Db, service: Service, override?: { prompt: string; messages: import('@/db/schema').PromptMessage[]; variables: import('@/db/schema').PromptVariable[] }): Resolver {
  return async (ref) => {
    const parsed = parseRef(ref, 'include');
    if (override && parsed.name === override.prompt && !parsed.version && !parsed.label) {
      return { prompt: override.prompt, version: 0, messages: override.messages, variables: override.variables };
    }
    const { version } = await findPromptVersion(db, service, parsed.name, parsed);
    return { prompt: parsed.name, version: version.version, messages: version.messages, variables: version.variables };
  };
}

