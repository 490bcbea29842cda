// The generic webhook, for CI systems and scripts: `{ branch, commit, author?, message? }`, signed with the
// service's webhook secret (see signature.ts). Pure.
import { z } from 'zod';
import { branchSchema, clip, commitSchema, parsePayload, type DeliveryFacts } from './delivery';

export const genericPayloadSchema = z.object({
  branch: z.string().transform((b) => b.replace(/^refs\/heads\//, '')).pipe(branchSchema),
  commit: commitSchema,
  author: z.string().max(200, 'must be at most 200 characters').optional(),
  message: z.string().max(10_000, 'must be at most 10000 characters').optional(),
});
export type GenericPayload = z.input<typeof genericPayloadSchema>;

export function interpretGeneric(payload: unknown): DeliveryFacts {
  const p = parsePayload(genericPayloadSchema, payload, 'body');
  return {
    event: 'trigger',
    branch: p.branch,
    commit: p.commit,
    summary: { author: p.author ?? null, message: clip(p.message) },
    trigger: { kind: 'webhook', branch: p.branch, commit: p.commit, author: p.author ?? null, message: clip(p.message) },
    ignored: null,
  };
}
