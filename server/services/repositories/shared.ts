// Where a service's code lives: the rules for a repository location and a manifest path, and the stored setting
// with its secrets by name (never by value).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { secrets, serviceRepositories } from '@/db/schema';

const URL_RULE = 'must be an https git URL (https://host/owner/repo.git) or an absolute path to a local git repository';

/** An https URL without credentials (the token comes from the secret store), or an absolute local path. */
export const repositoryUrlSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(2000, 'must be at most 2000 characters')
  .transform((value, ctx) => {
    if (value.startsWith('/')) {
      if (value.includes('\0')) ctx.addIssue({ code: 'custom', message: URL_RULE });
      return path.posix.normalize(value).replace(/(.)\/+$/, '$1');
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: URL_RULE });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' || !url.hostname) ctx.addIssue({ code: 'custom', message: URL_RULE });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password; store the access token as a secret and name it in tokenSecret' });
    else if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a query or a fragment' });
    else if (url.pathname.replace(/\/+$/, '') === '') ctx.addIssue({ code: 'custom', message: 'must name a repository, e.g. https://github.com/acme/support-bot.git' });
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

/** A path inside the repository, relative to its root. */
export const manifestPathSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(500, 'must be at most 500 characters')
  .regex(/^[A-Za-z0-9._\-/]+$/, 'may hold letters, digits, ".", "_", "-" and "/" only')
  .refine((p) => !p.startsWith('/') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), 'must be a path inside the repository, such as slipway.yaml or deploy/slipway.yaml');

export const isLocalRepository = (url: string) => url.startsWith('/');

/** A working tree with `.git`, or a bare repository (HEAD and objects/ at its top). */
export async function isGitRepository(dir: string): Promise<boolean> {
  const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() ?? false;
  const exists = async (p: string) => (await stat(p).catch(() => null)) !== null;
  if (!(await isDir(dir))) return false;
  if (await exists(path.join(dir, '.git'))) return true;
  return (await exists(path.join(dir, 'HEAD'))) && (await isDir(path.join(dir, 'objects')));
}

const tokenSecrets = alias(secrets, 'token_secret');
const hookSecrets = alias(secrets, 'webhook_secret');

/** A service's repository setting with its secrets' names and ids, or null when none is set. */
export async function repositoryOf(db: Db, serviceId: string) {
  const [row] = await db
    .select({ repo: serviceRepositories, tokenSecret: tokenSecrets.name, webhookSecret: hookSecrets.name })
    .from(serviceRepositories)
    .leftJoin(tokenSecrets, eq(tokenSecrets.id, serviceRepositories.tokenSecretId))
    .leftJoin(hookSecrets, eq(hookSecrets.id, serviceRepositories.webhookSecretId))
    .where(eq(serviceRepositories.serviceId, serviceId))
    .limit(1);
  if (!row) return null;
  return { ...row.repo, tokenSecret: row.tokenSecret, webhookSecret: row.webhookSecret };
}
export type RepositorySetting = NonNullable<Awaited<ReturnType<typeof repositoryOf>>>;
