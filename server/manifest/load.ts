// Loads slipway.yaml (or a prompts file) and the prompt files it refers to, validating each against its schema
// before anything is sent, so that a bad manifest changes nothing.
import path from 'node:path';
import { checkDefinition } from '@/server/services/pipelines/parse';
import { parseWith, readSourceFile, readTextFile, SourceFileError, type ReadLimits, type SourceFile } from './files';
import { manifestSchema, promptContentSchema, promptsFileSchema, type LabelSpec, type Manifest, type PromptContent, type PromptEntry } from './schema';

export interface ResolvedPrompt {
  name: string;
  labels: LabelSpec[];
  content: PromptContent;
  /** Where the content was read from, for messages. */
  origin: string;
}

export interface LoadedManifest extends Omit<Manifest, 'prompts' | 'pipeline'> {
  prompts: ResolvedPrompt[];
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

export function loadManifestSource(source: SourceFile, limits: ReadLimits = {}): LoadedManifest {
  const manifest = parseWith(manifestSchema, source);
  return {
    ...manifest,
    prompts: resolvePrompts(source, manifest.prompts, ['prompts'], limits),
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
