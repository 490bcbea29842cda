// Reading the prompt registry: prompts of a service, one prompt's versions and labels, one version,
// rendering (variables in, messages out) and the diff of two versions.
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { labels, prompts, promptVersions } from '@/db/schema';
import { diffLines, diffValues } from '@/server/lib/diff';
import { requireScope, type ServiceContext } from '../context';
import { jsonObject, promptByName, serviceByName, slugSchema } from '../registry-shared';
import { dbResolver, findPromptVersion } from './resolve';
import { expand, fill } from '@/server/lib/template';

export const listPromptsInput = z.object({ service: slugSchema });

export async function listPrompts(ctx: ServiceContext, input: z.input<typeof listPromptsInput>) {
  requireScope(ctx, 'prompts:read');
  const { service: name } = listPromptsInput.parse(input);
  const service = await serviceByName(ctx.db, name, { allowArchived: true });
  const rows = await ctx.db.select().from(prompts).where(eq(prompts.serviceId, service.id)).orderBy(asc(prompts.name));
  const ids = rows.map((p) => p.id);
  const [versions, labelRows] = ids.length
    ? await Promise.all([
        ctx.db.select({ promptId: promptVersions.promptId, version: promptVersions.version, createdAt: promptVersions.createdAt, commitMessage: promptVersions.commitMessage }).from(promptVersions).where(inArray(promptVersions.promptId, ids)).orderBy(desc(promptVersions.version)),
        ctx.db.select().from(labels).where(inArray(labels.promptId, ids)),
      ])
    : [[], []];
  return rows.map((p) => {
    const mine = versions.filter((v) => v.promptId === p.id);
    return { ...p, service: service.name, versionCount: mine.length, latest: mine[0] ?? null, labels: labelRows.filter((l) => l.promptId === p.id).map((l) => ({ name: l.name, version: l.version, protected: l.protected })) };
  });
}

export const getPromptInput = z.object({ service: slugSchema, prompt: slugSchema });

export async function getPrompt(ctx: ServiceContext, input: z.input<typeof getPromptInput>) {
  requireScope(ctx, 'prompts:read');
  const data = getPromptInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const prompt = await promptByName(ctx.db, service, data.prompt);
  const [versions, labelRows] = await Promise.all([
    ctx.db.select().from(promptVersions).where(eq(promptVersions.promptId, prompt.id)).orderBy(desc(promptVersions.version)),
    ctx.db.select().from(labels).where(eq(labels.promptId, prompt.id)).orderBy(asc(labels.name)),
  ]);
  return { ...prompt, service: service.name, versions, labels: labelRows.map((l) => ({ name: l.name, version: l.version, protected: l.protected, updatedAt: l.updatedAt })) };
}

export const promptVersionRefInput = z.object({ service: slugSchema, prompt: slugSchema, version: z.number().int().positive().optional(), label: slugSchema.optional() });

export async function getPromptVersion(ctx: ServiceContext, input: z.input<typeof promptVersionRefInput>) {
  requireScope(ctx, 'prompts:read');
  const data = promptVersionRefInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  return (await findPromptVersion(ctx.db, service, data.prompt, data)).version;
}

export const renderPromptInput = promptVersionRefInput.extend({ variables: jsonObject.default({}) });

export async function renderPrompt(ctx: ServiceContext, input: z.input<typeof renderPromptInput>) {
  requireScope(ctx, 'prompts:read');
  const data = renderPromptInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const { version } = await findPromptVersion(ctx.db, service, data.prompt, data);
  const tree = await expand({ prompt: data.prompt, version: version.version, messages: version.messages, variables: version.variables }, dbResolver(ctx.db, service));
  return { prompt: data.prompt, version: version.version, messages: fill(tree.messages, tree.variables, data.variables), params: version.params, responseSchema: version.responseSchema, resolved: tree.used };
}

export const diffPromptInput = z.object({ service: slugSchema, prompt: slugSchema, from: z.number().int().positive(), to: z.number().int().positive() });

export async function diffPromptVersions(ctx: ServiceContext, input: z.input<typeof diffPromptInput>) {
  requireScope(ctx, 'prompts:read');
  const data = diffPromptInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const [a, b] = await Promise.all([findPromptVersion(ctx.db, service, data.prompt, { version: data.from }), findPromptVersion(ctx.db, service, data.prompt, { version: data.to })]);
  return { from: a.version, to: b.version, ...diffPromptContent(a.version, b.version) };
}

type Content = Pick<typeof promptVersions.$inferSelect, 'messages' | 'params' | 'responseSchema' | 'variables'>;
const messageText = (m: Content['messages'][number]) => ('include' in m ? `[include ${m.include}]` : `[${m.role}]\n${m.content}`);

/** Messages as a line diff; params, response schema and variables as changed paths. */
export function diffPromptContent(a: Content, b: Content) {
  return {
    messages: diffLines(a.messages.map(messageText).join('\n\n'), b.messages.map(messageText).join('\n\n')),
    params: diffValues(a.params, b.params),
    responseSchema: diffValues(a.responseSchema, b.responseSchema),
    variables: diffValues(Object.fromEntries(a.variables.map((v) => [v.name, v])), Object.fromEntries(b.variables.map((v) => [v.name, v]))),
  };
}
