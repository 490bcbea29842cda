// What a verified webhook delivery says, in the terms Slipway records and hands to pipelines; shared by the
// GitHub, GitLab and generic interpreters. Pure.
import { z } from 'zod';
import type { PipelineTrigger } from '@/db/schema/pipelines';

export type Provider = 'github' | 'gitlab' | 'generic';

export type TriggerFields = Pick<PipelineTrigger, 'kind' | 'branch' | 'commit' | 'author' | 'message'>;

export interface DeliveryFacts {
  /** The provider's event name: push, pull_request, ping, Push Hook, Merge Request Hook, … */
  event: string;
  branch: string | null;
  commit: string | null;
  /** A short account for people reading the delivery log; never secrets. */
  summary: Record<string, unknown>;
  /** What to start, or null when the delivery is recorded as ignored. */
  trigger: TriggerFields | null;
  /** Why nothing starts, when trigger is null. */
  ignored: string | null;
}

/** A payload that is not what its event promises; answered 400 and recorded nowhere. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

export const commitSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full hex commit id');

/** A git branch name as git allows it (check-ref-format), without the refs/heads/ prefix. */
export const branchSchema = z
  .string()
  .min(1, 'is required')
  .max(255, 'must be at most 255 characters')
  .refine((b) => !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$|\.lock$|^-/.test(b), 'must be a valid git branch name');

export const isZeroCommit = (sha: string | null | undefined) => !!sha && /^0+$/.test(sha);

/** The branch a ref names, or null for tags and anything else that is not refs/heads/…. */
export function branchOfRef(ref: string): string | null {
  return ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length ? ref.slice('refs/heads/'.length) : null;
}

const MAX_TEXT = 2000;
export const clip = (text: string | null | undefined): string | null => (text ? (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text) : null);

export function parsePayload<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.map(String).join('.');
  throw new PayloadError(`${what}: ${where ? `${where}: ` : ''}${issue.message}`);
}

export const ignored = (event: string, reason: string, facts: Partial<Pick<DeliveryFacts, 'branch' | 'commit' | 'summary'>> = {}): DeliveryFacts => ({
  event,
  branch: facts.branch ?? null,
  commit: facts.commit ?? null,
  summary: facts.summary ?? {},
  trigger: null,
  ignored: reason,
});
