// Shared pieces of the registry verbs: slug names, lookups by name, and who created what.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { environments, models, prompts, services, type Environment, type Model, type Prompt, type Service } from '@/db/schema';
import { actorLabel } from '@/server/auth/actor';
import { invalid, notFound, precondition } from '@/server/errors';
import type { ServiceContext } from './context';

export { slugSchema } from '@/server/lib/slug';

export const sha256Schema = z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hex characters (sha256)');
export const gitShaSchema = z.string().regex(/^[a-f0-9]{40}$/, 'must be a 40-character hex git commit');
export const jsonValue: z.ZodType<import('@/db/schema').Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
export const jsonObject = z.record(z.string(), jsonValue);

export const by = (ctx: ServiceContext) => actorLabel(ctx.actor);

export async function serviceByName(db: Db, name: string, opts: { allowArchived?: boolean } = {}): Promise<Service> {
  const [s] = await db.select().from(services).where(eq(services.name, name)).limit(1);
  if (!s) throw notFound(`Service "${name}"`);
  if (s.archivedAt && !opts.allowArchived) throw precondition(`Service "${name}" is archived`);
  return s;
}

export async function environmentByName(db: Db, service: Service, name: string): Promise<Environment> {
  const [e] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.serviceId, service.id), eq(environments.name, name)))
    .limit(1);
  if (!e) throw notFound(`Environment "${name}" of service "${service.name}"`);
  return e;
}

export async function modelByName(db: Db, name: string): Promise<Model> {
  const [m] = await db.select().from(models).where(eq(models.name, name)).limit(1);
  if (!m) throw notFound(`Model "${name}"`);
  return m;
}

export async function promptByName(db: Db, service: Service, name: string): Promise<Prompt> {
  const [p] = await db
    .select()
    .from(prompts)
    .where(and(eq(prompts.serviceId, service.id), eq(prompts.name, name)))
    .limit(1);
  if (!p) throw notFound(`Prompt "${name}" of service "${service.name}"`);
  return p;
}

/** Parses `name@3` or `name:label` (a bare name means the latest version). */
export function parseRef(ref: string, field = 'ref'): { name: string; version?: number; label?: string } {
  const at = /^([a-z0-9-]+)@(\d+)$/.exec(ref);
  if (at) return { name: at[1]!, version: Number(at[2]) };
  const colon = /^([a-z0-9-]+):([a-z0-9-]+)$/.exec(ref);
  if (colon) return { name: colon[1]!, label: colon[2]! };
  if (/^[a-z0-9-]+$/.test(ref)) return { name: ref };
  throw invalid(field, `"${ref}" is not a reference: use name@<version>, name:<label> or name`);
}
