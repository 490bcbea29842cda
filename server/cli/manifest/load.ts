// Loads slipway.yaml (or a prompts file) and the prompt files it refers to, validating each against its schema
// before anything is sent, so that a bad manifest changes nothing.
import path from 'node:path';
import { DATASET_LIMITS, parseDatasetFile, type ParsedCase } from '@/server/evals/dataset-files';
import { stringify as toYaml } from 'yaml';
import { checkSuite } from '@/server/evals/suite-definition';
import { checkDefinition } from '@/server/pipelines/definition';
import { parseWith, readSourceFile, readTextFile, SourceFileError, type ReadLimits, type SourceFile } from '../core/files';
import { manifestSchema, promptContentSchema, promptsFileSchema, type DatasetEntry, type EvalSuiteEntry, type LabelSpec, type Manifest, type PromptContent, type PromptEntry } from './schema';

export interface ResolvedPrompt {
  name: string;
  labels: LabelSpec[];
  content: PromptContent;
  /** Where the content was read from, for messages. */
  origin: string;
}

/** A dataset file, read and checked: its text is what is pushed, its cases what is hashed. */
export interface ResolvedDataset {
  name: string;
  description?: string;
  /** The file's path as shown to people (relative to where the command runs, or the repository). */
  file: string;
  content: string;
  cases: ParsedCase[];
}

/** An eval suite's YAML (read from its file, or written from the inline entry), checked. */
export interface ResolvedEvalSuite {
  name: string;
  yaml: string;
  origin: string;
}

export interface LoadedManifest extends Omit<Manifest, 'prompts' | 'pipeline' | 'datasets' | 'evalSuites'> {
  prompts: ResolvedPrompt[];
  datasets: ResolvedDataset[];
  evalSuites: ResolvedEvalSuite[];
  /** The pipeline definition's text, checked, with the file it came from. */
  pipeline: { yaml: string; origin: string } | null;
  file: string;
}

function resolvePrompts(source: SourceFile, entries: PromptEntry[], listPath: PropertyKey[], limits: ReadLimits): ResolvedPrompt[] {
  return entries.map((entry, i) => {
    if ('file' in entry) {
      const display = path.join(path.dirname(source.name), entry.file);
      const file = readSourceFile(path.resolve(path.dirname(source.absolute), entry.file), display, limits);
      return { name: entry.name, labels: entry.labels, content: parseWith(promptContentSchema, file), origin: display };
    }
    const { name, labels, ...content } = entry;
    return { name, labels, content, origin: `${source.name} ${listPath.join('.')}[${i}]` };
  });
}

/** `limits` also apply to the prompt files the manifest refers to. */
function loadPipeline(source: SourceFile, file: string, limits: ReadLimits): { yaml: string; origin: string } {
  const display = path.join(path.dirname(source.name), file);
  const yaml = readTextFile(path.resolve(path.dirname(source.absolute), file), display, limits);
  const check = checkDefinition(yaml);
  if (!check.ok) throw new SourceFileError(check.problems.map((p) => `${display}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
  return { yaml, origin: display };
}

/** Reads and checks a dataset file; every problem in it is reported with its line, and nothing is sent. */
export function loadDatasetFile(file: string, display: string, limits: ReadLimits = {}): { content: string; cases: ParsedCase[] } {
  // A dataset may be larger than other files the manifest names; its own limit applies (and the parser's).
  const content = readTextFile(file, display, { ...limits, maxBytes: DATASET_LIMITS.maxBytes });
  const parsed = parseDatasetFile(display, content);
  if (!parsed.ok) throw new SourceFileError(parsed.errors.join('\n'));
  return { content, cases: parsed.cases };
}

function resolveDatasets(source: SourceFile, entries: DatasetEntry[], limits: ReadLimits): ResolvedDataset[] {
  return entries.map((entry) => {
    const display = path.join(path.dirname(source.name), entry.file);
    const { content, cases } = loadDatasetFile(path.resolve(path.dirname(source.absolute), entry.file), display, limits);
    return { name: entry.name, description: entry.description, file: display, content, cases };
  });
}

function resolveEvalSuites(source: SourceFile, entries: Record<string, EvalSuiteEntry>, limits: ReadLimits): ResolvedEvalSuite[] {
  return Object.entries(entries).map(([name, entry]) => {
    const keys = Object.keys(entry);
    const fromFile = keys.length === 1 && keys[0] === 'file';
    if (fromFile && (typeof entry.file !== 'string' || !entry.file.trim())) throw new SourceFileError(`${source.name}: evalSuites.${name}.file: must name a file`);
    const origin = fromFile ? path.join(path.dirname(source.name), entry.file as string) : `${source.name} evalSuites.${name}`;
    const yaml = fromFile ? readTextFile(path.resolve(path.dirname(source.absolute), entry.file as string), origin, limits) : toYaml(entry);
    const check = checkSuite(yaml);
    // Lines are the file's; an inline suite's problems are named by their path in the manifest.
    if (!check.ok) throw new SourceFileError(check.problems.map((p) => `${origin}${fromFile && p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
    return { name, yaml, origin };
  });
}

export function loadManifestSource(source: SourceFile, limits: ReadLimits = {}): LoadedManifest {
  const manifest = parseWith(manifestSchema, source);
  return {
    ...manifest,
    prompts: resolvePrompts(source, manifest.prompts, ['prompts'], limits),
    datasets: resolveDatasets(source, manifest.datasets, limits),
    evalSuites: resolveEvalSuites(source, manifest.evalSuites, limits),
    pipeline: manifest.pipeline ? loadPipeline(source, manifest.pipeline.file, limits) : null,
    file: source.name,
  };
}

export function loadManifest(file: string): LoadedManifest {
  return loadManifestSource(readSourceFile(file));
}

export function loadPromptsSource(source: SourceFile): ResolvedPrompt[] {
  return resolvePrompts(source, parseWith(promptsFileSchema, source).prompts, ['prompts'], {});
}

export function loadPromptsFile(file: string): ResolvedPrompt[] {
  return loadPromptsSource(readSourceFile(file));
}
