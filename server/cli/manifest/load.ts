// Loads slipway.yaml (or a prompts file) and the prompt files it refers to, validating each against its schema
// before anything is sent, so that a bad manifest changes nothing.
import path from 'node:path';
import { parseWith, readSourceFile, type ReadLimits, type SourceFile } from '../core/files';
import { manifestSchema, promptContentSchema, promptsFileSchema, type LabelSpec, type Manifest, type PromptContent, type PromptEntry } from './schema';

export interface ResolvedPrompt {
  name: string;
  labels: LabelSpec[];
  content: PromptContent;
  /** Where the content was read from, for messages. */
  origin: string;
}

export interface LoadedManifest extends Omit<Manifest, 'prompts'> {
  prompts: ResolvedPrompt[];
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
export function loadManifestSource(source: SourceFile, limits: ReadLimits = {}): LoadedManifest {
  const manifest = parseWith(manifestSchema, source);
  return { ...manifest, prompts: resolvePrompts(source, manifest.prompts, ['prompts'], limits), file: source.name };
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
