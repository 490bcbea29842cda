// Brings the server in line with a manifest (or a prompts file), one item at a time, changing only what differs,
// and reports each item as created, updated or unchanged. With dryRun it reads but never writes. It talks to the
// server through a ManifestBackend: the tRPC API for the CLI, service verbs inside the server.
// Over the API it is not one transaction: a failure part-way leaves the items before it applied, and running again
// finishes the job.
import { precondition } from '@/server/errors';
import { CUSTOM_ENVIRONMENT_DEFAULTS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { datasetContentHash } from '@/server/evals/dataset-files';
import { promptContentHash } from '@/server/services/prompts/push';
import type { ManifestBackend, ModelView } from './backend';
import type { LoadedManifest, ResolvedDataset, ResolvedEvalSuite, ResolvedPrompt } from './load';
import { changedSections, desiredSettings, findIdenticalVersion, modelDifferences, pushOrder, sameOwners, type EnvironmentState } from './plan';
import type { LabelSpec, ModelEntry } from './schema';

export type ItemKind = 'service' | 'prompt' | 'model' | 'label' | 'environment' | 'pipeline' | 'dataset' | 'eval-suite';
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
  /** False leaves labels where they are (and reports none): content only. Default true. */
  moveLabels?: boolean;
}

/** The version a prompt or model entry resolved to; null only in a dry run that would create it. */
export interface ResolvedVersion {
  name: string;
  version: number | null;
  created: boolean;
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
async function syncLabels(backend: ManifestBackend, target: LabelTarget, specs: LabelSpec[], thisVersion: number | null, current: { name: string; version: number }[], report: Report, opts: ApplyOptions) {
  if (opts.moveLabels === false) return;
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
    if (!opts.dryRun) await backend.moveLabel({ target, label: spec.name, version: want!, reason: opts.reason });
    report.add('label', name, have === undefined ? 'created' : 'updated', have === undefined ? to : `v${have} → ${to}`);
  }
}

/** Pushes prompts whose content the service does not hold yet; identical content is found by its hash. */
export async function syncPrompts(backend: ManifestBackend, service: string, prompts: ResolvedPrompt[], report: Report, opts: ApplyOptions & { serviceExists: boolean }): Promise<ResolvedVersion[]> {
  const resolved: ResolvedVersion[] = [];
  for (const p of pushOrder(prompts)) {
    const current = opts.serviceExists ? await backend.getPrompt(service, p.name) : null;
    const hash = promptContentHash(p.content);
    const match = current?.versions.find((v) => v.contentHash === hash);
    let version: number | null;
    let created = false;
    if (match) {
      version = match.version;
      report.add('prompt', p.name, 'unchanged', `v${version}`);
    } else if (opts.dryRun) {
      version = null;
      created = true;
      report.add('prompt', p.name, 'created', `v${(current?.versions[0]?.version ?? 0) + 1}`);
    } else {
      const pushed = await backend.pushPrompt({ ...p.content, service, prompt: p.name, gitSha: opts.gitSha });
      version = pushed.version.version;
      created = pushed.created;
      report.add('prompt', p.name, pushed.created ? 'created' : 'unchanged', `v${version}`);
    }
    resolved.push({ name: p.name, version, created });
    await syncLabels(backend, { kind: 'prompt', service, prompt: p.name }, p.labels, version, current?.labels ?? [], report, opts);
  }
  return resolved;
}

/** Registers a version only when no version of the model has the same content, then moves its labels. */
export async function syncModels(backend: ManifestBackend, entries: ModelEntry[], report: Report, opts: ApplyOptions): Promise<ResolvedVersion[]> {
  const resolved: ResolvedVersion[] = [];
  const models = new Map<string, { versions: ModelView['versions']; labels: ModelView['labels']; next: number }>();
  for (const entry of entries) {
    const { labels, ...input } = entry;
    let state = models.get(input.model);
    if (!state) {
      const current = await backend.getModel(input.model);
      state = { versions: current?.versions ?? [], labels: current?.labels ?? [], next: (current?.versions[0]?.version ?? 0) + 1 };
      models.set(input.model, state);
    }
    const match = findIdenticalVersion(input, state.versions);
    let version: number | null;
    let created = false;
    if (match) {
      version = match.version;
      report.add('model', input.model, 'unchanged', `v${version}${match.status === 'registered' || match.status === 'validated' ? '' : ` (${match.status})`}`);
    } else {
      const newest = state.versions[0];
      const differs = newest ? ` (differs from v${newest.version} in ${modelDifferences(input, newest).join(', ')})` : '';
      created = true;
      if (opts.dryRun) {
        version = null;
        report.add('model', input.model, 'created', `v${state.next}${differs}`);
      } else {
        const registered = await backend.registerModel(input);
        version = registered.version;
        state.versions.unshift({ ...registered, releases: [] });
        report.add('model', input.model, 'created', `v${version}${differs}`);
      }
      state.next += 1;
    }
    resolved.push({ name: input.model, version, created });
    await syncLabels(backend, { kind: 'model', model: input.model }, labels, version, state.labels, report, opts);
  }
  return resolved;
}

async function syncService(backend: ManifestBackend, spec: LoadedManifest['service'], report: Report, opts: ApplyOptions): Promise<boolean> {
  const current = await backend.getService(spec.name);
  if (!current) {
    if (!opts.dryRun) await backend.createService(spec);
    report.add('service', spec.name, 'created');
    return false;
  }
  if (current.archivedAt) throw precondition(`service ${spec.name} is archived; restore it before syncing`);
  const changes = {
    ...(current.description !== spec.description ? { description: spec.description } : {}),
    ...(!sameOwners(current.owners, spec.owners) ? { owners: spec.owners } : {}),
  };
  const changed = Object.keys(changes);
  if (changed.length && !opts.dryRun) await backend.updateService({ name: spec.name, ...changes });
  report.add('service', spec.name, changed.length ? 'updated' : 'unchanged', changed.join(', '));
  return true;
}

async function syncEnvironments(backend: ManifestBackend, service: string, environments: LoadedManifest['environments'], report: Report, opts: ApplyOptions & { serviceExists: boolean }) {
  for (const [name, settings] of Object.entries(environments)) {
    let current: EnvironmentState | null = opts.serviceExists ? await backend.getEnvironment(service, name) : null;
    let created = false;
    if (!current) {
      const comesWithService = !opts.serviceExists && name in DEFAULT_ENVIRONMENTS;
      created = !comesWithService;
      if (opts.dryRun) {
        current = comesWithService ? DEFAULT_ENVIRONMENTS[name as keyof typeof DEFAULT_ENVIRONMENTS] : CUSTOM_ENVIRONMENT_DEFAULTS;
      } else {
        if (created) await backend.createEnvironment({ service, name });
        current = await backend.getEnvironment(service, name);
        if (!current) throw precondition(`environment ${name} of ${service} disappeared while syncing`);
      }
    }
    const desired = desiredSettings(current, settings);
    const changed = changedSections(current, desired);
    if (changed.length && !opts.dryRun) {
      await backend.updateEnvironment({ service, environment: name, ...Object.fromEntries(changed.map((k) => [k, desired[k]])) });
    }
    report.add('environment', name, created ? 'created' : changed.length ? 'updated' : 'unchanged', changed.join(', '));
  }
}

async function syncPipeline(backend: ManifestBackend, service: string, pipeline: LoadedManifest['pipeline'], report: Report, opts: ApplyOptions & { serviceExists: boolean }) {
  if (!pipeline) return;
  const current = opts.serviceExists ? await backend.getPipelineDefinition(service) : null;
  if (current?.saved && current.yaml === pipeline.yaml) {
    report.add('pipeline', service, 'unchanged', `v${current.version}`);
    return;
  }
  const status = current?.saved ? 'updated' : 'created';
  if (opts.dryRun) {
    report.add('pipeline', service, status, `from ${pipeline.origin}`);
    return;
  }
  const saved = await backend.savePipelineDefinition({ service, yaml: pipeline.yaml });
  report.add('pipeline', service, status, `v${saved.version} from ${pipeline.origin}`);
}

/** Pushes datasets whose cases the service does not hold yet; identical content is found by its hash. */
export async function syncDatasets(backend: ManifestBackend, service: string, datasets: ResolvedDataset[], report: Report, opts: ApplyOptions & { serviceExists: boolean; source?: 'manifest' | 'cli'; commitMessage?: string }): Promise<ResolvedVersion[]> {
  const resolved: ResolvedVersion[] = [];
  for (const d of datasets) {
    const current = opts.serviceExists ? await backend.getDataset(service, d.name) : null;
    const match = current?.versions.find((v) => v.contentHash === datasetContentHash(d.cases));
    const count = `${d.cases.length} case${d.cases.length === 1 ? '' : 's'}`;
    if (match) {
      report.add('dataset', d.name, 'unchanged', `v${match.version}`);
      resolved.push({ name: d.name, version: match.version, created: false });
    } else if (opts.dryRun) {
      report.add('dataset', d.name, 'created', `v${(current?.versions[0]?.version ?? 0) + 1} (${count} from ${d.file})`);
      resolved.push({ name: d.name, version: null, created: true });
    } else {
      const pushed = await backend.pushDataset({ service, name: d.name, description: d.description, file: { name: d.file, content: d.content }, source: opts.source ?? 'manifest', commitMessage: opts.commitMessage ?? opts.reason });
      report.add('dataset', d.name, pushed.created ? 'created' : 'unchanged', `v${pushed.version.version}${pushed.created ? ` (${count} from ${d.file})` : ''}`);
      resolved.push({ name: d.name, version: pushed.version.version, created: pushed.created });
    }
  }
  return resolved;
}

/**
 * Saves eval suites after the datasets they name. Saving is idempotent on the server (the same YAML on the same
 * dataset version creates nothing), so each suite is sent; a dry run compares the YAML only.
 */
export async function syncEvalSuites(backend: ManifestBackend, service: string, suites: ResolvedEvalSuite[], report: Report, opts: ApplyOptions & { serviceExists: boolean; source?: 'manifest' | 'cli' }) {
  for (const s of suites) {
    const current = opts.serviceExists ? await backend.getEvalSuite(service, s.name) : null;
    if (opts.dryRun) {
      const same = current?.current?.yaml === s.yaml;
      report.add('eval-suite', s.name, !current ? 'created' : same ? 'unchanged' : 'updated', same ? `v${current!.current!.version}` : `from ${s.origin}`);
      continue;
    }
    const saved = await backend.saveEvalSuite({ service, name: s.name, yaml: s.yaml, source: opts.source ?? 'manifest' });
    const ds = saved.version.spec.dataset;
    const on = ds ? ` on ${ds.name}@${ds.version}` : '';
    report.add('eval-suite', s.name, !saved.created ? 'unchanged' : current ? 'updated' : 'created', `v${saved.version.version}${on}${saved.created ? ` from ${s.origin}` : ''}`);
  }
}

/** Applies the whole manifest: service, prompts and their labels, model versions and their labels, environments, pipeline, datasets, eval suites. */
export async function syncManifest(backend: ManifestBackend, manifest: LoadedManifest, report: Report, opts: ApplyOptions): Promise<void> {
  const serviceExists = await syncService(backend, manifest.service, report, opts);
  // After a real run the service exists even if it was just created; only a dry run must assume it is empty.
  const exists = serviceExists || !opts.dryRun;
  await syncPrompts(backend, manifest.service.name, manifest.prompts, report, { ...opts, serviceExists: exists });
  await syncModels(backend, manifest.models, report, opts);
  await syncEnvironments(backend, manifest.service.name, manifest.environments, report, { ...opts, serviceExists: exists });
  await syncPipeline(backend, manifest.service.name, manifest.pipeline, report, { ...opts, serviceExists: exists });
  await syncDatasets(backend, manifest.service.name, manifest.datasets, report, { ...opts, serviceExists: exists });
  await syncEvalSuites(backend, manifest.service.name, manifest.evalSuites, report, { ...opts, serviceExists: exists });
}
