// A prompt-variations matrix: prompt sets × parameter sets × model versions. The input rules (what a cell is,
// how many there may be), the resolution of every reference to a pinned version, and the parameters a cell sets
// that cannot have any effect because a prompt of the cell sets them itself (prompt parameters win, as in the
// gateway and in a release made from the cell).
import { z } from 'zod';
import type { Db } from '@/db/client';
import type { Json, Service, VariationCell } from '@/db/schema';
import { invalid } from '@/server/errors';
import { resolveModelVersion } from '../models/queries';
import { findPromptVersion } from '../prompts/resolve';
import { jsonObject, parseRef } from '../registry-shared';

/** A matrix bigger than this is refused: each cell runs the whole suite. */
export const MAX_VARIATION_CELLS = 24;

const ref = /^[a-z0-9-]+(@\d+|:[a-z0-9-]+)?$/;
/** One prompt set: `answer@2`, or prompts served together joined by `+` (`answer@2+tone@1`). */
const promptSetSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((s) => s.split('+').every((p) => ref.test(p.trim())), 'must be name@<version>, name:<label> or name, several joined by +')
  .refine((s) => new Set(s.split('+').map((p) => p.trim().split(/[@:]/)[0])).size === s.split('+').length, 'names each prompt once');
const modelRefSchema = z.string().trim().regex(ref, 'must be name@<version>, name:<label> or name');

export const variationsMatrixInput = z
  .object({
    prompts: z.array(promptSetSchema).min(1, 'list at least one prompt version').max(MAX_VARIATION_CELLS),
    models: z.array(modelRefSchema).min(1, 'list at least one model version').max(MAX_VARIATION_CELLS),
    params: z.array(jsonObject).min(1, 'list at least one parameter set ({} for none)').max(MAX_VARIATION_CELLS).default([{}]),
  })
  .superRefine((m, ctx) => {
    const cells = m.prompts.length * m.models.length * m.params.length;
    if (cells > MAX_VARIATION_CELLS) {
      ctx.addIssue({ code: 'custom', path: ['prompts'], message: `${m.prompts.length} prompt sets × ${m.params.length} parameter sets × ${m.models.length} models make ${cells} cells; at most ${MAX_VARIATION_CELLS}` });
    }
    for (const [field, list] of [['prompts', m.prompts], ['models', m.models]] as const) {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [field, i], message: `${v} is listed twice` });
        seen.add(v);
      });
    }
    const params = new Set<string>();
    m.params.forEach((p, i) => {
      const key = JSON.stringify(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)));
      if (params.has(key)) ctx.addIssue({ code: 'custom', path: ['params', i], message: 'is the same parameter set as an earlier one' });
      params.add(key);
    });
  });

export type VariationsMatrixInput = z.output<typeof variationsMatrixInput>;

/** `p2·s1·m1`: the cell's 1-based place in each list. */
export const cellKey = (p: number, s: number, m: number) => `p${p + 1}·s${s + 1}·m${m + 1}`;

/** A short label of a parameter set for tables: `temperature=0, max_tokens=64`, or `defaults`. */
export function paramsLabel(params: Record<string, Json>): string {
  const entries = Object.entries(params);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : 'defaults';
}

export interface ResolvedMatrix {
  cells: VariationCell[];
  /** Parameters that a cell's prompts set themselves, so the cell's value cannot apply. */
  warnings: string[];
}

/** Pins every reference to a version and builds the cells, prompts outermost, then parameter sets, then models. */
export async function resolveMatrix(db: Db, service: Service, m: VariationsMatrixInput): Promise<ResolvedMatrix> {
  const promptSets = await Promise.all(
    m.prompts.map((set, i) =>
      Promise.all(
        set.split('+').map(async (text) => {
          const r = parseRef(text.trim(), `prompts[${i}]`);
          const found = await findPromptVersion(db, service, r.name, r).catch((err: unknown) => {
            throw invalid(`prompts[${i}]`, err instanceof Error ? err.message : String(err));
          });
          return { ref: `${r.name}@${found.version.version}`, versionId: found.version.id, params: found.version.params };
        }),
      ),
    ),
  );
  const models = await Promise.all(
    m.models.map(async (text, i) => {
      const r = parseRef(text, `models[${i}]`);
      const found = await resolveModelVersion(db, r.name, r).catch((err: unknown) => {
        throw invalid(`models[${i}]`, err instanceof Error ? err.message : String(err));
      });
      if (found.row.status === 'archived') throw invalid(`models[${i}]`, `${found.view.ref} is archived`);
      return { ref: found.view.ref, versionId: found.row.id };
    }),
  );
  const cells: VariationCell[] = [];
  const warnings: string[] = [];
  promptSets.forEach((prompts, p) => {
    m.params.forEach((params, s) => {
      for (const key of Object.keys(params)) {
        const setter = prompts.find((pr) => Object.hasOwn(pr.params, key));
        if (setter) warnings.push(`params[${s}].${key} has no effect with ${setter.ref}, which sets ${key} itself`);
      }
      models.forEach((model, mi) => {
        cells.push({ key: cellKey(p, s, mi), prompts: prompts.map(({ ref: r, versionId }) => ({ ref: r, versionId })), params, model });
      });
    });
  });
  return { cells, warnings };
}
