// The source step of a pipeline: fetch a service's repository at one commit, read its manifest there, and turn it
// into a release candidate through service verbs, with the same manifest code `slipway sync` runs over the API.
// A pipeline builds from any branch, so it only adds content (prompt versions, model versions, the release); it
// never moves labels or changes the service or its environments, which stay with `slipway sync` and people.
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secrets, services } from '@/db/schema';
import { formatPath, readSourceFile, SourceFileError, type SourceFile } from '@/server/manifest/files';
import { Report, syncModels, syncPrompts, type ReportItem, type ResolvedVersion } from '@/server/manifest/apply';
import type { ManifestBackend } from '@/server/manifest/backend';
import { loadManifestSource, type LoadedManifest } from '@/server/manifest/load';
import { DomainError, precondition } from '@/server/errors';
import { requireScope, withTransaction, type ServiceContext } from '@/server/services/context';
import { createRelease } from '@/server/services/releases/create';
import { serviceByName } from '@/server/services/registry-shared';
import { repositoryOf } from '@/server/services/repositories/shared';
import { readSecretValue } from '@/server/services/secrets/queries';
import { refusalOfUse } from '@/server/services/secrets/scope';
import { withCheckout, type RepositoryAccess } from './git';
import { verbBackend } from './manifest-backend';

/** Files read from a checkout are untrusted: they must stay inside it and stay small. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** A problem with the manifest at a commit; the message starts with `file:line:`. */
export class ManifestError extends DomainError {
  constructor(message: string) {
    super('invalid', message, 'manifest');
    this.name = 'ManifestError';
  }
}

/** Where to fetch a service's code and its manifest, the access token decrypted (server-side use only). */
export interface SourceSettings extends RepositoryAccess {
  manifestPath: string;
}

export async function sourceSettings(db: Db, serviceId: string): Promise<SourceSettings> {
  const repo = await repositoryOf(db, serviceId);
  if (!repo) throw precondition('the service has no repository; set one in its repository settings');
  if (!repo.tokenSecretId) return { url: repo.url, token: null, manifestPath: repo.manifestPath };
  // git sends the token to the repository's host: the token's scope must still allow it.
  const [secret] = await db.select().from(secrets).where(eq(secrets.id, repo.tokenSecretId));
  const [service] = await db.select({ name: services.name }).from(services).where(eq(services.id, serviceId));
  const refusal = secret ? await refusalOfUse(db, secret, { purpose: 'repository_token', service: service!.name, url: repo.url }) : 'the token secret no longer exists';
  if (refusal) throw precondition(`the repository's access token is not sent: ${refusal}; change the secret's scope under Settings → Secrets or the repository settings`);
  return { url: repo.url, token: await readSecretValue(db, repo.tokenSecretId), manifestPath: repo.manifestPath };
}

export interface ManifestAtCommit {
  manifest: LoadedManifest;
  /** The parsed manifest file, for pointing at its lines. */
  source: SourceFile;
}

/** Fetches `commit` into a temporary folder, reads the manifest and the prompt files it names, and removes the folder. */
export async function readManifestAt(settings: SourceSettings, commit: string): Promise<ManifestAtCommit> {
  return withCheckout(settings, commit, async (dir) => {
    const limits = { root: dir, maxBytes: MAX_MANIFEST_BYTES };
    try {
      const source = readSourceFile(path.join(dir, settings.manifestPath), settings.manifestPath, limits);
      return { manifest: loadManifestSource(source, limits), source };
    } catch (err) {
      if (err instanceof SourceFileError) throw new ManifestError(`${err.message} (at ${commit.slice(0, 12)})`);
      throw err;
    }
  });
}

export interface ReleaseCandidate {
  releaseId: string;
  number: number;
  /** `support-bot#17` */
  ref: string;
  commit: string;
  /** Versions this run added; content the registry already held is reused, not repeated. */
  created: { prompts: { name: string; version: number }[]; modelVersions: { model: string; version: number }[] };
  manifest: {
    file: string;
    service: string;
    /** What the release pins: `model@version` and `prompt@version`. */
    model: string;
    prompts: string[];
    /** Parts of the manifest a pipeline leaves to `slipway sync`: label moves and environment settings. */
    notApplied: { labels: string[]; environments: string[] };
  };
  /** One line per prompt and model version, as `slipway sync` reports them. */
  items: ReportItem[];
}

export interface ResolveCandidateInput {
  /** The service's name. */
  service: string;
  commit: string;
  /** Recorded in the release notes. */
  branch?: string | null;
  notes?: string;
}

function at(source: SourceFile, p: PropertyKey[]): string {
  const line = source.lineOf(p);
  return `${source.name}${line ? `:${line}` : ''}: ${formatPath(p)}`;
}

/** Verb failures for one manifest entry, told at that entry's line. */
function locating(backend: ManifestBackend, { manifest, source }: ManifestAtCommit): ManifestBackend {
  const locate = (p: PropertyKey[]) => (err: unknown) => {
    if (err instanceof DomainError && err.kind === 'invalid') throw new ManifestError(`${at(source, p)}: ${err.message}`);
    throw err;
  };
  return {
    ...backend,
    pushPrompt: (input) => backend.pushPrompt(input).catch(locate(['prompts', manifest.prompts.findIndex((x) => x.name === input.prompt)])),
    registerModel: (input) => backend.registerModel(input).catch(locate(['models', manifest.models.findIndex((m) => m.model === input.model)])),
  };
}

const pinned = (v: ResolvedVersion) => `${v.name}@${v.version!}`;

/**
 * Builds a release of `service` from the manifest at `commit`: pushes the prompt versions and registers the model
 * version it declares when their content is new (prompt versions record the commit), then creates the release
 * (source `pipeline`, gitSha the commit) — all in one transaction, so a failure leaves nothing behind.
 */
export async function resolveReleaseCandidate(ctx: ServiceContext, input: ResolveCandidateInput): Promise<ReleaseCandidate> {
  requireScope(ctx, 'releases:write');
  const service = await serviceByName(ctx.db, input.service);
  const settings = await sourceSettings(ctx.db, service.id);
  const read = await readManifestAt(settings, input.commit);
  const { manifest, source } = read;
  if (manifest.service.name !== service.name) {
    throw new ManifestError(`${at(source, ['service', 'name'])}: is "${manifest.service.name}", but this repository is set up for service "${service.name}"`);
  }
  if (manifest.models.length !== 1) {
    throw new ManifestError(`${at(source, ['models'])}: a release needs exactly one model version; this manifest declares ${manifest.models.length}`);
  }
  const opts = { dryRun: false, reason: '', gitSha: input.commit, moveLabels: false };
  const report = new Report(false);
  const release = await withTransaction(ctx, async (tx) => {
    const backend = locating(verbBackend(tx), read);
    const prompts = await syncPrompts(backend, service.name, manifest.prompts, report, { ...opts, serviceExists: true });
    const [model] = await syncModels(backend, manifest.models, report, opts);
    const created = await createRelease(tx, {
      service: service.name,
      model: pinned(model!),
      prompts: prompts.map(pinned),
      gitSha: input.commit,
      branch: input.branch ?? undefined,
      source: 'pipeline',
      notes: input.notes ?? `Built from ${input.branch ? `${input.branch} at ` : ''}${input.commit.slice(0, 12)} (${settings.manifestPath})`,
    });
    return { created, prompts, model: model! };
  });
  return {
    releaseId: release.created.id,
    number: release.created.number,
    ref: release.created.ref,
    commit: input.commit,
    created: {
      prompts: release.prompts.filter((p) => p.created).map((p) => ({ name: p.name, version: p.version! })),
      modelVersions: release.model.created ? [{ model: release.model.name, version: release.model.version! }] : [],
    },
    manifest: {
      file: settings.manifestPath,
      service: service.name,
      model: pinned(release.model),
      prompts: release.prompts.map(pinned).sort(),
      notApplied: {
        labels: [...manifest.prompts.flatMap((p) => p.labels.map((l) => `${p.name}:${l.name}`)), ...manifest.models.flatMap((m) => m.labels.map((l) => `${m.model}:${l.name}`))],
        environments: Object.keys(manifest.environments),
      },
    },
    items: report.items,
  };
}
