// Line diffs of prompt versions as the diff view shows them: one entry per line, in order, blank lines kept.
import { describe, expect, it } from 'vitest';
import { diffLines, diffValues } from '@/server/lib/diff';

describe('line diffs', () => {
  it('marks kept, removed and added lines in order', () => {
    expect(diffLines('You are helpful.\nAnswer briefly.\nCite sources.', 'You are helpful.\nAnswer in detail.\nCite sources.\nBe kind.')).toEqual([
      { op: 'same', text: 'You are helpful.' },
      { op: 'remove', text: 'Answer briefly.' },
      { op: 'add', text: 'Answer in detail.' },
      { op: 'same', text: 'Cite sources.' },
      { op: 'add', text: 'Be kind.' },
    ]);
  });

  it('keeps blank lines and reports identical text as unchanged', () => {
    expect(diffLines('a\n\nb', 'a\n\nb').every((l) => l.op === 'same')).toBe(true);
    expect(diffLines('a\n\nb', 'a\n\nb').map((l) => l.text)).toEqual(['a', '', 'b']);
    expect(diffLines('a\nb', 'a\n\nb')).toEqual([
      { op: 'same', text: 'a' },
      { op: 'add', text: '' },
      { op: 'same', text: 'b' },
    ]);
  });

  it('names the JSON paths that changed', () => {
    expect(diffValues({ params: { temperature: 0.2, top_p: 1 }, name: 'x' }, { params: { temperature: 0.7, top_p: 1 }, name: 'x' })).toEqual([{ path: 'params.temperature', before: 0.2, after: 0.7 }]);
  });
});
