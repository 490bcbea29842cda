// Pushes a prompt version. Content-addressed: identical content returns the existing version and creates
// nothing. Placeholders must be declared, includes must resolve, and composition cycles are refused.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { prompts, promptVersions } from '@/db/schema';
import { canonicalJson, sha256Hex } from '@/server/lib/canonical';
import { recordAudit, recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, gitShaSchema, serviceByName, slugSchema } from '../registry-shared';
import { dbResolver } from './resolve';
import { promptContentSchema } from './schemas';
import { checkTemplate, expand } from '@/server/lib/template';

export const pushPromptInput = promptContentSchema.extend({
  service: slugSchema,
  prompt: slugSchema,
  description: z.string().trim().max(2000).optional(),
  commitMessage: z.string().trim().max(2000).default(''),
  gitSha: gitShaSchema.optional(),
});

export function promptContentHash(c: Pick<z.output<typeof promptContentSchema>, 'messages' | 'variables' | 'responseSchema' | 'params'>): string {
  return sha256Hex(canonicalJson({ messages: c.messages, variables: c.variables, responseSchema: c.responseSchema, params: c.params }));
}

export async function pushPrompt(ctx: ServiceContext, input: z.input<typeof pushPromptInput>) {
  requireScope(ctx, 'prompts:write');
  const data = pushPromptInput.parse(input);
  checkTemplate(data.messages, data.variables);
  const contentHash = promptContentHash(data);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    await tx.db.insert(prompts).values({ serviceId: service.id, name: data.prompt, description: data.description ?? '', createdBy: by(ctx) }).onConflictDoNothing();
    const [prompt] = await tx.db
      .select()
      .from(prompts)
      .where(and(eq(prompts.serviceId, service.id), eq(prompts.name, data.prompt)))
      .for('update');
    const [existing] = await tx.db
      .select()
      .from(promptVersions)
      .where(and(eq(promptVersions.promptId, prompt!.id), eq(promptVersions.contentHash, contentHash)))
      .limit(1);
    if (existing) {
      recordNoChange(tx);
      return { created: false, version: existing };
    }

    // Resolving the whole tree with this version in place of the newest proves includes exist and form no cycle.
    await expand({ prompt: data.prompt, version: 0, messages: data.messages, variables: data.variables }, dbResolver(tx.db, service, { latest: { prompt: data.prompt, messages: data.messages, variables: data.variables } }));

    const [{ next } = { next: 1 }] = await tx.db
      .select({ next: sql<number>`coalesce(max(${promptVersions.version}), 0)::int + 1` })
      .from(promptVersions)
      .where(eq(promptVersions.promptId, prompt!.id));
    const [row] = await tx.db
      .insert(promptVersions)
      .values({ promptId: prompt!.id, version: next, contentHash, messages: data.messages, variables: data.variables, responseSchema: data.responseSchema, params: data.params, commitMessage: data.commitMessage, gitSha: data.gitSha ?? null, createdBy: by(ctx) })
      .returning();
    await recordAudit(tx, {
      action: 'prompt.push',
      target: { kind: 'prompt_version', id: row!.id, label: `${service.name}/${data.prompt}@${next}` },
      summary: `Pushed ${service.name}/${data.prompt}@${next}${data.commitMessage ? `: ${data.commitMessage}` : ''}`,
      changes: { contentHash },
    });
    return { created: true, version: row! };
  });
}
