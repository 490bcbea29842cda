// `slipway sync`: applies a slipway.yaml manifest idempotently, and the report rendering that `prompts push`
// shares with it.
import { gitShaSchema } from '@/server/services/registry-shared';
import type { Group, ParsedOptions } from '../core/args';
import { usageError } from '../core/errors';
import { table, type Output } from '../core/output';
import { apiBackend } from '../core/manifest-backend';
import { Report, syncManifest, type ItemStatus } from '@/server/manifest/apply';
import { loadManifest } from '@/server/manifest/load';

const DRY_WORDS: Record<ItemStatus, string> = { created: 'would create', updated: 'would update', unchanged: 'unchanged' };

export function renderReport(report: Report, opts: { summary: boolean } = { summary: true }): string {
  const rows = report.items.map((i) => [i.kind, i.name, report.dryRun ? DRY_WORDS[i.status] : i.status, i.detail]);
  const lines = rows.length ? table(['KIND', 'NAME', 'STATUS', 'DETAIL'], rows) : '';
  if (!opts.summary) return lines;
  const s = report.summary();
  const summary = report.dryRun
    ? `dry run: ${s.created} to create, ${s.updated} to update, ${s.unchanged} unchanged; nothing was changed`
    : `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged`;
  return lines + summary + '\n';
}

/**
 * Runs an apply step and prints its report even when it fails part-way, so the lines before the error say what
 * was already changed; the error itself still goes to stderr from main.
 */
export async function withReport(out: Output, report: Report, apply: () => Promise<unknown>): Promise<void> {
  try {
    await apply();
  } catch (err) {
    if (!out.json && report.items.length) out.line(renderReport(report, { summary: false }).trimEnd());
    throw err;
  }
  out.result({ dryRun: report.dryRun, items: report.items, summary: report.summary() }, () => renderReport(report));
}

export function gitShaOption(options: ParsedOptions): string | undefined {
  const sha = options.string('git-sha');
  if (sha !== undefined && !gitShaSchema.safeParse(sha).success) throw usageError('--git-sha must be a 40-character hex git commit');
  return sha;
}

export const syncGroup: Group = {
  name: 'sync',
  summary: 'Apply a slipway.yaml manifest.',
  commands: [
    {
      group: 'sync',
      name: '',
      summary: 'Apply slipway.yaml: service, prompts, model versions, labels and environment settings',
      details:
        'Creates the service if it is missing and updates its description and owners; pushes prompts whose content\n' +
        'is new; registers a model version only when no version of that model has identical content; moves labels\n' +
        'that point elsewhere; changes environment settings that differ. Prints one line per item (created,\n' +
        'updated, unchanged). Running it again with the same manifest changes nothing.',
      options: {
        file: { type: 'string', short: 'f', value: '<file>', description: 'the manifest (default slipway.yaml)' },
        'dry-run': { type: 'boolean', description: 'show what would change without changing anything' },
        'git-sha': { type: 'string', value: '<sha>', description: 'git commit recorded on prompt versions pushed by this run' },
      },
      examples: ['slipway sync', 'slipway sync --file deploy/slipway.yaml --dry-run', 'slipway sync --git-sha "$GITHUB_SHA" --json'],
      async run({ options, out, api }) {
        const gitSha = gitShaOption(options);
        const manifest = loadManifest(options.string('file') ?? 'slipway.yaml');
        const report = new Report(options.flag('dry-run'));
        const backend = apiBackend(api());
        await withReport(out, report, () => syncManifest(backend, manifest, report, { dryRun: report.dryRun, reason: `synced from ${manifest.file}`, gitSha }));
      },
    },
  ],
};
