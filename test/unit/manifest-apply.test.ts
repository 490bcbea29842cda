// The manifest apply code against its backend port, with an in-memory backend: what it asks for, what it returns,
// content-only runs that leave labels alone, and refusals that the CLI turns into one line and exit 1.
import { describe, expect, it } from 'vitest';
import { EXIT, toCliError } from '@/server/cli/core/errors';
import { parseSource } from '@/server/manifest/files';
import { Report, syncManifest, syncModels, syncPrompts } from '@/server/manifest/apply';
import type { ManifestBackend } from '@/server/manifest/backend';
import { loadManifestSource } from '@/server/manifest/load';
import { DomainError } from '@/server/errors';
import { promptContentHash } from '@/server/services/prompts/push';

const MANIFEST = `service:
  name: support-bot
prompts:
  - name: answer
    messages:
      - role: user
        content: hi
    labels: [staging]
models:
  - model: support-llm
    providerKind: openai-compatible
    baseUrl: http://127.0.0.1:4010/v1
    upstreamModel: small
    labels: [staging]
`;
const manifest = () => loadManifestSource(parseSource(MANIFEST, 'slipway.yaml'));

/** Holds prompt and model versions in memory and records every write. */
function memoryBackend(opts: { archived?: boolean } = {}) {
  const writes: string[] = [];
  const prompts = new Map<string, { contentHash: string; version: number }[]>();
  const models = new Map<string, Record<string, unknown>[]>();
  const notFound = () => null;
  const backend = {
    getService: async (name: string) => ({ name, description: '', owners: [], archivedAt: opts.archived ? new Date() : null }),
    createService: async () => writes.push('service.create'),
    updateService: async () => writes.push('service.update'),
    getPrompt: async (_s: string, p: string) => (prompts.has(p) ? { versions: [...prompts.get(p)!].reverse(), labels: [] } : notFound()),
    pushPrompt: async (input: Parameters<typeof promptContentHash>[0] & { prompt: string }) => {
      writes.push(`prompt.push ${input.prompt}`);
      const list = prompts.get(input.prompt) ?? [];
      const v = { contentHash: promptContentHash(input), version: list.length + 1 };
      prompts.set(input.prompt, [...list, v]);
      return { created: true, version: v };
    },
    moveLabel: async (input: { label: string }) => writes.push(`label.move ${input.label}`),
    getModel: async (name: string) => (models.has(name) ? { versions: models.get(name)!, labels: [] } : notFound()),
    registerModel: async (input: Record<string, unknown>) => {
      writes.push(`model.register ${String(input.model)}`);
      const list = models.get(String(input.model)) ?? [];
      const v = { ...input, version: list.length + 1, status: 'registered', apiKeySecret: null, lineage: {}, tags: {}, description: '' };
      models.set(String(input.model), [v, ...list]);
      return v;
    },
    getEnvironment: async () => null,
    createEnvironment: async () => writes.push('environment.create'),
    updateEnvironment: async () => writes.push('environment.update'),
  };
  return { backend: backend as unknown as ManifestBackend, writes };
}

describe('applying through the backend port', () => {
  it('returns the versions prompts and models resolved to, created or found', async () => {
    const { backend, writes } = memoryBackend();
    const m = manifest();
    const opts = { dryRun: false, reason: 'test', moveLabels: false };
    expect(await syncPrompts(backend, 'support-bot', m.prompts, new Report(false), { ...opts, serviceExists: true })).toEqual([{ name: 'answer', version: 1, created: true }]);
    expect(await syncModels(backend, m.models, new Report(false), opts)).toEqual([{ name: 'support-llm', version: 1, created: true }]);
    expect(writes).toEqual(['prompt.push answer', 'model.register support-llm']);
    expect(await syncPrompts(backend, 'support-bot', m.prompts, new Report(false), { ...opts, serviceExists: true })).toEqual([{ name: 'answer', version: 1, created: false }]);
    const again = new Report(false);
    expect(await syncModels(backend, m.models, again, opts)).toEqual([{ name: 'support-llm', version: 1, created: false }]);
    expect(again.items.map((i) => [i.kind, i.status])).toEqual([['model', 'unchanged']]);
    expect(writes).toHaveLength(2);
  });

  it('moves labels unless told to leave them', async () => {
    const moved = memoryBackend();
    const report = new Report(false);
    await syncPrompts(moved.backend, 'support-bot', manifest().prompts, report, { dryRun: false, reason: 'test', serviceExists: true });
    expect(moved.writes).toEqual(['prompt.push answer', 'label.move staging']);
    expect(report.items.map((i) => i.kind)).toEqual(['prompt', 'label']);
    const left = memoryBackend();
    const contentOnly = new Report(false);
    await syncPrompts(left.backend, 'support-bot', manifest().prompts, contentOnly, { dryRun: false, reason: 'test', serviceExists: true, moveLabels: false });
    expect(left.writes).toEqual(['prompt.push answer']);
    expect(contentOnly.items.map((i) => i.kind)).toEqual(['prompt']);
  });

  it('refuses an archived service as a domain error that the CLI prints as one line with exit 1', async () => {
    const { backend, writes } = memoryBackend({ archived: true });
    const err = await syncManifest(backend, manifest(), new Report(false), { dryRun: false, reason: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(writes).toEqual([]);
    const cli = toCliError(err, 'http://localhost:3000');
    expect({ message: cli.message, exitCode: cli.exitCode }).toEqual({ message: 'service support-bot is archived; restore it before syncing', exitCode: EXIT.api });
  });
});
