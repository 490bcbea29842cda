'use client';
// A plain monospace YAML editor: a textarea without soft wrapping beside a line-number gutter that scrolls with
// it, lines with problems marked, Enter keeping the indentation, and moving the cursor to a given line.
import { useRef, type KeyboardEvent, type RefObject } from 'react';
import { cn } from '@/components/ui/cn';

/** Pixels per line: the gutter and the textarea share it (Tailwind `leading-5`). */
const LINE_HEIGHT = 20;

/** Puts the cursor at the first non-blank character of a 1-based line and scrolls it into view. */
export function moveCursorToLine(textarea: HTMLTextAreaElement, line: number): void {
  const lines = textarea.value.split('\n');
  const target = Math.min(Math.max(line, 1), lines.length);
  let offset = 0;
  for (let i = 0; i < target - 1; i++) offset += lines[i]!.length + 1;
  offset += /^\s*/.exec(lines[target - 1] ?? '')![0].length;
  textarea.focus();
  textarea.setSelectionRange(offset, offset);
  textarea.scrollTop = Math.max(0, (target - 1) * LINE_HEIGHT - textarea.clientHeight / 3);
}

/** Enter starts the new line at the current line's indentation, through the browser's own editing so undo works. */
function keepIndent(e: KeyboardEvent<HTMLTextAreaElement>) {
  if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.nativeEvent.isComposing) return;
  const el = e.currentTarget;
  const lineStart = el.value.lastIndexOf('\n', el.selectionStart - 1) + 1;
  const indent = /^[ ]*/.exec(el.value.slice(lineStart, el.selectionStart))![0];
  if (!indent) return;
  e.preventDefault();
  if (!document.execCommand('insertText', false, `\n${indent}`)) el.setRangeText(`\n${indent}`, el.selectionStart, el.selectionEnd, 'end');
}

export function YamlEditor({
  value,
  onChange,
  problemLines,
  readOnly,
  label,
  textareaRef,
  rows = 28,
}: {
  value: string;
  onChange: (value: string) => void;
  problemLines: Set<number>;
  readOnly?: boolean;
  label: string;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
  rows?: number;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const count = value.split('\n').length;
  return (
    <div className="flex overflow-hidden rounded-md border border-border bg-card focus-within:outline-2 focus-within:outline-offset-1 focus-within:outline-ring">
      <div ref={gutter} aria-hidden className="shrink-0 overflow-hidden border-r border-border bg-muted pt-2 pb-8 text-right font-mono text-xs leading-5 text-muted-fg select-none" style={{ height: rows * LINE_HEIGHT + 16 }}>
        {Array.from({ length: count }, (_, i) => (
          <div key={i} className={cn('px-2', problemLines.has(i + 1) && 'bg-danger/15 font-semibold text-danger')}>
            {i + 1}
          </div>
        ))}
      </div>
      <textarea
        ref={textareaRef}
        aria-label={label}
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        wrap="off"
        className="block min-w-0 flex-1 resize-none overflow-auto bg-transparent px-3 py-2 font-mono text-xs leading-5 whitespace-pre outline-none"
        style={{ height: rows * LINE_HEIGHT + 16 }}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={readOnly ? undefined : keepIndent}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}
