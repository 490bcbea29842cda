// Finds prompt versions by number, label or newest, and builds the resolver composition uses.
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { labels, promptVersions, type PromptMessage, type PromptVariable, type Service } from '@/db/schema';
import { notFound } from '@/server/errors';
import { parseRef, promptByName } from '../registry-shared';
import type { Resolver } from '@/server/lib/template';

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

export interface ResolverOverrides {
  /** A version being pushed: stands in for the newest version of its prompt (bare-name includes). */
  latest?: { prompt: string; messages: PromptMessage[]; variables: PromptVariable[] };
  /** A label about to move: resolves to its new version. */
  label?: { prompt: string; label: string; version: number };
}

/** Includes resolve within the same service; overrides let a write check the tree as it will be. */
export function dbResolver(db: Db, service: Service, overrides: ResolverOverrides = {}): Resolver {
  return async (ref) => {
    const parsed = parseRef(ref, 'include');
    const { latest, label } = overrides;
    if (latest && parsed.name === latest.prompt && !parsed.version && !parsed.label) {
      return { prompt: latest.prompt, version: 0, messages: latest.messages, variables: latest.variables };
    }
    const pinned = label && parsed.name === label.prompt && parsed.label === label.label ? { version: label.version } : parsed;
    const { version } = await findPromptVersion(db, service, parsed.name, pinned);
    return { prompt: parsed.name, version: version.version, messages: version.messages, variables: version.variables };
  };
}
