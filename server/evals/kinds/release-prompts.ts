// The prompt versions of a release, as suite types that build cases against the release's own prompt read them
// (its messages, its variables and the response schema it declares).
import { asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { prompts, promptVersions, releasePrompts } from '@/db/schema';
import type { ReleasePrompt } from './types';

export async function releasePromptsOf(db: Db, releaseId: string): Promise<ReleasePrompt[]> {
  const rows = await db
    .select({ name: prompts.name, version: promptVersions.version, messages: promptVersions.messages, variables: promptVersions.variables, responseSchema: promptVersions.responseSchema })
    .from(releasePrompts)
    .innerJoin(promptVersions, eq(promptVersions.id, releasePrompts.promptVersionId))
    .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
    .where(eq(releasePrompts.releaseId, releaseId))
    .orderBy(asc(prompts.name));
  return rows;
}
