// Pure decisions behind `slipway sync`: which model version is "the same", which environment settings differ,
// in which order prompts must be pushed. Kept apart from the API calls so they are tested on their own.
import type { Json, ProtectionRules, RolloutPolicy, Slos } from '@/db/schema';
import { canonicalJson } from '@/server/lib/canonical';
import type { EnvironmentSettings } from './schema';

/** The fields of a model version that make up its content; status, number and authorship are not content. */
export interface ModelVersionContent {
  providerKind: string;
  baseUrl?: string | null;
  upstreamModel: string;
  defaultParams: Record<string, Json>;
  apiKeySecret?: string | null;
  artifacts: { uri: string; sha256: string; sizeBytes: number; path?: string }[];
  tokenizer?: { uri: string; sha256: string; path?: string } | null;
  imageRef?: string | null;
  container?: unknown;
  priceInputPer1M: number | string;
  priceOutputPer1M: number | string;
  contextWindow?: number | null;
  lineage: { gitRepository?: string | null; gitCommit?: string | null; pipelineRunId?: string | null; trainingRunUri?: string | null };
  tags: Record<string, string>;
  description: string;
}

export const MODEL_CONTENT_FIELDS = ['providerKind', 'baseUrl', 'upstreamModel', 'defaultParams', 'apiKeySecret', 'artifacts', 'tokenizer', 'imageRef', 'container', 'priceInputPer1M', 'priceOutputPer1M', 'contextWindow', 'lineage', 'tags', 'description'] as const;

/** One canonical shape for a version as registered (input) and as stored (view): absent and null are the same. */
export function modelContent(v: ModelVersionContent): Record<(typeof MODEL_CONTENT_FIELDS)[number], unknown> {
  return {
    providerKind: v.providerKind,
    baseUrl: v.baseUrl ?? null,
    upstreamModel: v.upstreamModel,
    defaultParams: v.defaultParams,
    apiKeySecret: v.apiKeySecret ?? null,
    artifacts: v.artifacts,
    tokenizer: v.tokenizer ?? null,
    imageRef: v.imageRef ?? null,
    container: v.container ?? null,
    priceInputPer1M: Number(v.priceInputPer1M),
    priceOutputPer1M: Number(v.priceOutputPer1M),
    contextWindow: v.contextWindow ?? null,
    lineage: {
      gitRepository: v.lineage.gitRepository ?? null,
      gitCommit: v.lineage.gitCommit ?? null,
      pipelineRunId: v.lineage.pipelineRunId ?? null,
      trainingRunUri: v.lineage.trainingRunUri ?? null,
    },
    tags: v.tags,
    description: v.description,
  };
}

/** Content fields in which two versions differ (key order inside JSON values does not count). */
export function modelDifferences(a: ModelVersionContent, b: ModelVersionContent): string[] {
  const ca = modelContent(a);
  const cb = modelContent(b);
  return MODEL_CONTENT_FIELDS.filter((f) => canonicalJson(ca[f]) !== canonicalJson(cb[f]));
}

/** The newest version (versions come newest first) whose content equals `wanted`, if any. */
export function findIdenticalVersion<V extends ModelVersionContent & { version: number }>(wanted: ModelVersionContent, versions: V[]): V | undefined {
  return versions.find((v) => modelDifferences(wanted, v).length === 0);
}

export interface EnvironmentState {
  protection: ProtectionRules;
  slos: Slos;
  rollout: RolloutPolicy;
}

/** What the environment should hold: given protection and SLO fields override, the rollout replaces. */
export function desiredSettings(current: EnvironmentState, settings: EnvironmentSettings): EnvironmentState {
  return {
    protection: { ...current.protection, ...settings.protection },
    slos: { ...current.slos, ...settings.slos },
    rollout: settings.rollout ?? current.rollout,
  };
}

export function changedSections(current: EnvironmentState, desired: EnvironmentState): (keyof EnvironmentState)[] {
  return (['protection', 'slos', 'rollout'] as const).filter((k) => canonicalJson(current[k]) !== canonicalJson(desired[k]));
}

/** Owners are a set: order and case do not make a difference. */
export function sameOwners(a: string[], b: string[]): boolean {
  const norm = (l: string[]) => [...new Set(l.map((e) => e.toLowerCase()))].sort().join('\n');
  return norm(a) === norm(b);
}

type Includes = { name: string; content: { messages: ({ include: string } | { role: string; content: string })[] } };

/**
 * Prompts in an order where each comes after the prompts of the same file it includes, because the server
 * refuses an include that does not resolve yet. Otherwise the file's order is kept; a cycle is left for the
 * server to name.
 */
export function pushOrder<P extends Includes>(prompts: P[]): P[] {
  const byName = new Map(prompts.map((p) => [p.name, p]));
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const order: P[] = [];
  const visit = (p: P) => {
    if (placed.has(p.name) || visiting.has(p.name)) return;
    visiting.add(p.name);
    for (const m of p.content.messages) {
      const dep = 'include' in m ? byName.get(m.include.split(/[@:]/)[0]!) : undefined;
      if (dep) visit(dep);
    }
    visiting.delete(p.name);
    placed.add(p.name);
    order.push(p);
  };
  prompts.forEach(visit);
  return order;
}
