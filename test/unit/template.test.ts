// Prompt templates on their own: placeholders, filling, and cycle detection in composition.
import { describe, expect, it } from 'vitest';
import type { PromptMessage } from '@/db/schema';
import { DomainError } from '@/server/errors';
import { checkTemplate, expand, fill, placeholders, type ResolvedVersion } from '@/server/lib/template';

const v = (prompt: string, version: number, messages: PromptMessage[]): ResolvedVersion => ({ prompt, version, messages, variables: [] });

describe('prompt templates', () => {
  it('find placeholders with or without spaces, once each', () => {
    expect(placeholders([{ role: 'user', content: '{{a}} {{ b }} {{a}} {b} {{ 1x }}' }])).toEqual(['a', 'b']);
  });

  it('refuse duplicate variables and defaults of the wrong type', () => {
    expect(() => checkTemplate([{ role: 'user', content: '{{a}}' }], [{ name: 'a', type: 'string', required: true }, { name: 'a', type: 'number', required: true }])).toThrow('variables.1.name: "a" is declared twice');
    expect(() => checkTemplate([{ role: 'user', content: '{{a}}' }], [{ name: 'a', type: 'number', required: false, default: 'x' }])).toThrow('variables.0.default: must be a number');
  });

  it('fill values as text and JSON', () => {
    expect(fill([{ role: 'user', content: '{{s}}|{{n}}|{{j}}|{{opt}}' }], [
      { name: 's', type: 'string', required: true },
      { name: 'n', type: 'number', required: true },
      { name: 'j', type: 'json', required: true },
      { name: 'opt', type: 'string', required: false },
    ], { s: 'x', n: 2.5, j: [1, { k: 'v' }] })).toEqual([{ role: 'user', content: 'x|2.5|[1,{"k":"v"}]|' }]);
  });

  it('detect a cycle met at render time, whatever created it', async () => {
    const store: Record<string, ResolvedVersion> = {
      'a@1': v('a', 1, [{ include: 'b:live' }]),
      'b:live': v('b', 3, [{ include: 'a@1' }]),
    };
    const err = await expand(store['a@1']!, async (ref) => store[ref]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toBe('composition cycle: a@1 → b@3 → a@1');
  });

  it('allow the same prompt twice when no version includes itself', async () => {
    const store: Record<string, ResolvedVersion> = { 'x@1': v('x', 1, [{ role: 'system', content: 'X' }]), 'y@1': v('y', 1, [{ include: 'x@1' }, { include: 'x@1' }]) };
    const out = await expand(store['y@1']!, async (ref) => store[ref]!);
    expect(out.messages).toEqual([
      { role: 'system', content: 'X' },
      { role: 'system', content: 'X' },
    ]);
  });
});
