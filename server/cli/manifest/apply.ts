// Brings the server in line with a manifest (or a prompts file), one item at a time, changing only what differs,
// and reports each item as created, updated or unchanged. With dryRun it reads but never writes.
// Not one transaction: a failure part-way leaves the items before it applied, and running again finishes the job.
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { CUSTOM_ENVIRONMENT_DEFAULTS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { promptContentHash } from '@/server/services/prompts/push';
import type { Api } from '../core/client';
import { CliError, EXIT, orNull } from '../core/errors';
import type { LoadedManifest, ResolvedPrompt } from './load';
import { changedSections, desiredSettings, findIdenticalVersion, modelDifferences, pushOrder, sameOwners, type EnvironmentState } from './plan';
import type { LabelSpec, ModelEntry } from './schema';

type Outputs = inferRouterOutputs<AppRouter>;

export type ItemKind = 'service' | 'prompt' | 'model' | 'label' | 'environment';
export type ItemStatus = 'created' | 'updated' | 'unchanged';

export interface ReportItem {
  kind: ItemKind;
  name: string;
  status: ItemStatus;
  /** Version numbers, changed fields; empty when there is nothing to add. */
  detail: string;
}

export interface ApplyOptions {
  dryRun: boolean;
  /** Recorded as the reason of label moves. */
  reason: string;
  /** Recorded on prompt versions this run pushes. */
  gitSha?: string;
}

export class Report {
  readonly items: ReportItem[] = [];
  constructor(readonly dryRun: boolean) {}
  add(kind: ItemKind, name: string, status: ItemStatus, detail = ''): void {
    this.items.push({ kind, name, status, detail });
  }
  summary() {
    const count = (s: ItemStatus) => this.items.filter((i) => i.status === s).length;
    return { created: count('created'), updated: count('updated'), unchanged: count('unchanged') };
  }
}

type LabelTarget = { kind: 'prompt'; service: string; prompt: string } | { kind: 'model'; model: string };

/** Points each label at its pinned version or at `thisVersion` (null: a version this dry run would create). */
async function syncLabels(api: Api, target: LabelTarget, specs: LabelSpec[], thisVersion: number | null, current: { name: string; version: number }[], report: Report, opts: ApplyOptions) {
  const owner = target.kind === 'prompt' ? target.prompt : target.model;
  for (const spec of specs) {
    const want = spec.version ?? thisVersion;
    const have = current.find((l) => l.name === spec.name)?.version;
    const name = `${owner}:${spec.name}`;
    if (want !== null && have === want) {
      report.add('label', name, 'unchanged', `v${want}`);
      continue;
    }
    const to = want === null ? 'the new version' : `v${want}`;
    if (!opts.dryRun) await api.labels.move.mutate({ target, label: spec.name, version: want!, reason: opts.reason });
    report.add('label', name, have === undefined ? 'created' : 'updated', have === undefined ? to : `v${have} → ${to}`);
  }
}

/** Pushes prompts whose content the service does not hold yet; identical content is found by its hash. */
export async function syncPrompts(api: Api, service: string, prompts: ResolvedPrompt[], report: Report, opts: ApplyOptions & { serviceExists: boolean }) {
  for (const p of pushOrder(prompts)) {
    const current = opts.serviceExists ? await orNull(api.prompts.get.query({ service, prompt: p.name })) : null;
    const hash = promptContentHash(p.content);
    const match = current?.versions.find((v) => v.contentHash === hash);
    let version: number | null;
    if (match) {
      version = match.version;
      report.add('prompt', p.name, 'unchanged', `v${version}`);
    } else if (opts.dryRun) {
      version = null;
      report.add('prompt', p.name, 'created', `v${(current?.versions[0]?.version ?? 0) + 1}`);
    } else {
      const pushed = await api.prompts.push.mutate({ ...p.content, service, prompt: p.name, gitSha: opts.gitSha });
      version = pushed.version.version;
      report.add('prompt', p.name, pushed.created ? 'created' : 'unchanged', `v${version}`);
    }
    await syncLabels(api, { kind: 'prompt', service, prompt: p.name }, p.labels, version, current?.labels ?? [], report, opts);
  }
}

type ModelView = Outputs['models']['get'];

/** Registers a version only when no version of the model has the same content, then moves its labels. */
export async function syncModels(api: Api, entries: ModelEntry[], report: Report, opts: ApplyOptions) {
  const models = new Map<string, { versions: ModelView['versions']; labels: ModelView['labels']; next: number }>();
  for (const entry of entries) {
    const { labels, ...input } = entry;
    let state = models.get(input.model);
    if (!state) {
      const current = await orNull(api.models.get.query({ name: input.model }));
      state = { versions: current?.versions ?? [], labels: current?.labels ?? [], next: (current?.versions[0]?.version ?? 0) + 1 };
      models.set(input.model, state);
    }
    const match = findIdenticalVersion(input, state.versions);
    let version: number | null;
    if (match) {
      version = match.version;
      report.add('model', input.model, 'unchanged', `v${version}${match.status === 'registered' || match.status === 'validated' ? '' : ` (${match.status})`}`);
    } else {
      const newest = state.versions[0];
      const differs = newest ? ` (differs from v${newest.version} in ${modelDifferences(input, newest).join(', ')})` : '';
      if (opts.dryRun) {
        version = null;
        report.add('model', input.model, 'created', `v${state.next}${differs}`);
      } else {
        const registered = await api.models.register.mutate(input);
        version = registered.version;
        state.versions.unshift(registered);
        report.add('model', input.model, 'created', `v${version}${differs}`);
      }
      state.next += 1;
    }
    await syncLabels(api, { kind: 'model', model: input.model }, labels, version, state.labels, report, opts);
  }
}

async function syncService(api: Api, spec: LoadedManifest['service'], report: Report, opts: ApplyOptions): Promise<boolean> {
  const current = await orNull(api.services.get.query({ name: spec.name }));
  if (!current) {
    if (!opts.dryRun) await api.services.create.mutate(spec);
    report.add('service', spec.name, 'created');
    return false;
  }
  if (current.archivedAt) throw new CliError(`service ${spec.name} is archived; restore it before syncing`, EXIT.api);
  const changes = {
    ...(current.description !== spec.description ? { description: spec.description } : {}),
    ...(!sameOwners(current.owners, spec.owners) ? { owners: spec.owners } : {}),
  };
  const changed = Object.keys(changes);
  if (changed.length && !opts.dryRun) await api.services.update.mutate({ name: spec.name, ...changes });
  report.add('service', spec.name, changed.length ? 'updated' : 'unchanged', changed.join(', '));
  return true;
}

async function syncEnvironments(api: Api, service: string, environments: LoadedManifest['environments'], report: Report, opts: ApplyOptions & { serviceExists: boolean }) {
  for (const [name, settings] of Object.entries(environments)) {
    let current: EnvironmentState | null = opts.serviceExists ? await orNull(api.environments.get.query({ service, environment: name })) : null;
    let created = false;
    if (!current) {
      const comesWithService = !opts.serviceExists && name in DEFAULT_ENVIRONMENTS;
      created = !comesWithService;
      if (opts.dryRun) {
        current = comesWithService ? DEFAULT_ENVIRONMENTS[name as keyof typeof DEFAULT_ENVIRONMENTS] : CUSTOM_ENVIRONMENT_DEFAULTS;
      } else {
        if (created) await api.environments.create.mutate({ service, name });
        current = await api.environments.get.query({ service, environment: name });
      }
    }
    const desired = desiredSettings(current, settings);
    const changed = changedSections(current, desired);
    if (changed.length && !opts.dryRun) {
      await api.environments.update.mutate({ service, environment: name, ...Object.fromEntries(changed.map((k) => [k, desired[k]])) });
    }
    report.add('environment', name, created ? 'created' : changed.length ? 'updated' : 'unchanged', changed.join(', '));
  }
}

/** Applies the whole manifest: service, prompts and their labels, model versions and their labels, environments. */
export async function syncManifest(api: Api, manifest: LoadedManifest, report: Report, opts: ApplyOptions): Promise<void> {
  const serviceExists = await syncService(api, manifest.service, report, opts);
  // After a real run the service exists even if it was just created; only a dry run must assume it is empty.
  const exists = serviceExists || !opts.dryRun;
  await syncPrompts(api, manifest.service.name, manifest.prompts, report, { ...opts, serviceExists: exists });
  await syncModels(api, manifest.models, report, opts);
  await syncEnvironments(api, manifest.service.name, manifest.environments, report, { ...opts, serviceExists: exists });
}
