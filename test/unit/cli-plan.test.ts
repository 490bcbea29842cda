// The decisions behind `slipway sync` and the small parsers of the CLI: when a model version counts as the same,
// which environment settings differ, the order prompts are pushed in, release references and routes.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type Command } from '@/server/cli/core/args';
import { resolveConnection } from '@/server/cli/core/client';
import { CliError, EXIT, oneLine } from '@/server/cli/core/errors';
import { parseRoutes } from '@/server/cli/commands/envs';
import { normaliseRef } from '@/server/cli/commands/releases';
import { changedSections, desiredSettings, findIdenticalVersion, modelDifferences, pushOrder, sameOwners, type ModelVersionContent } from '@/server/manifest/plan';
import { DEFAULT_ANALYSIS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { registerModelVersionInput } from '@/server/services/models/register';

const input = registerModelVersionInput.parse({
  model: 'support-llm',
  providerKind: 'openai-compatible',
  baseUrl: 'http://127.0.0.1:8000/v1',
  upstreamModel: 'small',
  defaultParams: { temperature: 0.2, top_p: 1 },
  priceInputPer1M: 0.15,
  artifacts: [{ uri: 's3://m/weights', sha256: 'a'.repeat(64), sizeBytes: 10 }],
  lineage: { gitCommit: 'b'.repeat(40) },
});

/** How the API returns that version: nulls for what was left out, prices as numbers, JSON keys in its own order. */
const stored: ModelVersionContent & { version: number } = {
  version: 4,
  providerKind: 'openai-compatible',
  baseUrl: 'http://127.0.0.1:8000/v1',
  upstreamModel: 'small',
  defaultParams: { top_p: 1, temperature: 0.2 },
  apiKeySecret: null,
  artifacts: [{ sha256: 'a'.repeat(64), sizeBytes: 10, uri: 's3://m/weights' }],
  tokenizer: null,
  imageRef: null,
  priceInputPer1M: 0.15,
  priceOutputPer1M: 0,
  contextWindow: null,
  lineage: { gitRepository: null, gitCommit: 'b'.repeat(40), pipelineRunId: null, trainingRunUri: null },
  tags: {},
  description: '',
};

describe('model version content', () => {
  it('is the same when only key order and null-versus-absent differ', () => {
    expect(modelDifferences(input, stored)).toEqual([]);
    expect(findIdenticalVersion(input, [{ ...stored, version: 5, priceInputPer1M: 0.2 }, stored])?.version).toBe(4);
  });

  it('differs by each content field, and names it', () => {
    expect(modelDifferences({ ...input, priceOutputPer1M: 1 }, stored)).toEqual(['priceOutputPer1M']);
    expect(modelDifferences({ ...input, defaultParams: { temperature: 0.3, top_p: 1 } }, stored)).toEqual(['defaultParams']);
    expect(modelDifferences({ ...input, lineage: {} }, stored)).toEqual(['lineage']);
    expect(modelDifferences({ ...input, apiKeySecret: 'openai-key' }, stored)).toEqual(['apiKeySecret']);
    expect(findIdenticalVersion({ ...input, tags: { team: 'x' } }, [stored])).toBeUndefined();
  });
});

describe('environment settings', () => {
  const staging = DEFAULT_ENVIRONMENTS.staging;

  it('keep protection and SLO fields the manifest leaves out, and replace the rollout', () => {
    const desired = desiredSettings(staging, { protection: { requiredApprovals: 1 }, rollout: { strategy: 'all-at-once', autoRollback: false, bakeMinutes: 0, analysis: DEFAULT_ANALYSIS } });
    expect(desired.protection).toEqual({ ...staging.protection, requiredApprovals: 1 });
    expect(desired.slos).toEqual(staging.slos);
    expect(changedSections(staging, desired)).toEqual(['protection', 'rollout']);
  });

  it('are unchanged when the manifest repeats what is there', () => {
    expect(changedSections(staging, desiredSettings(staging, { slos: { p95LatencyMs: staging.slos.p95LatencyMs }, rollout: staging.rollout }))).toEqual([]);
  });
});

describe('push order', () => {
  const p = (name: string, ...includes: string[]) => ({ name, content: { messages: [...includes.map((include) => ({ include })), { role: 'user', content: name }] } });

  it('puts included prompts of the same file first and keeps the file order otherwise', () => {
    const order = pushOrder([p('answer', 'tone@2', 'rules:staging'), p('other'), p('tone'), p('rules', 'tone')]).map((x) => x.name);
    expect(order).toEqual(['tone', 'rules', 'answer', 'other']);
  });

  it('stops at a cycle, listing every prompt once, for the server to refuse', () => {
    expect(pushOrder([p('a', 'b'), p('b', 'a')]).map((x) => x.name)).toEqual(['b', 'a']);
  });
});

describe('small parsers', () => {
  it('compare owners as a set', () => {
    expect(sameOwners(['B@x.io', 'a@x.io'], ['a@x.io', 'b@x.io'])).toBe(true);
    expect(sameOwners(['a@x.io'], ['a@x.io', 'b@x.io'])).toBe(false);
  });

  it('read release references, with name@label meaning the label', () => {
    expect(normaliseRef('answer@3', '--prompt')).toBe('answer@3');
    expect(normaliseRef('answer:staging', '--prompt')).toBe('answer:staging');
    expect(normaliseRef('answer@staging', '--prompt')).toBe('answer:staging');
    expect(() => normaliseRef('Answer@', '--prompt')).toThrow('--prompt "Answer@" is not a reference: use name@<version> or name:<label>');
  });

  it('read routes, demanding weights only when traffic is split', () => {
    expect(parseRoutes(['#7'])).toEqual([{ release: 7, weight: 100 }]);
    expect(parseRoutes(['6=90', '#7=10'])).toEqual([
      { release: 6, weight: 90 },
      { release: 7, weight: 10 },
    ]);
    expect(() => parseRoutes(['6', '7'])).toThrow('give every release a weight');
    expect(() => parseRoutes(['v7'])).toThrow('"v7" is not a release');
  });

  it('turn command-line mistakes into usage errors (exit 2) with one short line', () => {
    const command: Command = { group: 'things', name: 'make', summary: '', args: [{ name: 'name', description: '' }], options: { size: { type: 'string', description: '' } }, run: async () => undefined };
    const usage = (argv: string[]) => {
      try {
        parseCommandLine(command, argv);
      } catch (err) {
        expect(err).toBeInstanceOf(CliError);
        expect((err as CliError).exitCode).toBe(EXIT.usage);
        return (err as CliError).message;
      }
      throw new Error('expected a usage error');
    };
    expect(usage([])).toBe('missing <name>: usage is slipway things make <name> [options]');
    expect(usage(['a', 'b'])).toBe('unexpected argument "b": usage is slipway things make <name> [options]');
    expect(usage(['a', '--colour'])).toBe('unknown option --colour for "slipway things make" (see slipway things make --help)');
    expect(usage(['a', '--size'])).toBe('--size needs a value');
    expect(parseCommandLine(command, ['a', '--size', 'xl', '--json']).options.string('size')).toBe('xl');
  });

  it('take the URL and token from flags before the environment, and refuse URLs with credentials', () => {
    expect(resolveConnection({}, {})).toEqual({ url: 'http://localhost:3000', token: undefined });
    expect(resolveConnection({ url: 'https://slipway.example.com/' }, { SLIPWAY_URL: 'http://other', SLIPWAY_TOKEN: 'slw_env' })).toEqual({ url: 'https://slipway.example.com', token: 'slw_env' });
    expect(() => resolveConnection({}, { SLIPWAY_URL: 'https://ci:s3cret@slipway.example.com' })).toThrow('SLIPWAY_URL must not contain a user name or password');
    expect(() => resolveConnection({ url: 'localhost:3000' }, {})).toThrow('--url must be an http(s) URL');
  });

  it('write messages on one line, lower-casing a leading word but not an acronym', () => {
    expect(oneLine('Service "x" not found')).toBe('service "x" not found');
    expect(oneLine('API token\n  refused')).toBe('API token refused');
  });
});
