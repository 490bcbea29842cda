// Read-only JSON (params, schemas, config) in a scrollable monospace block.
import { cn } from '@/components/ui/cn';
import { pretty } from './json';

export function JsonBlock({ value, label, className }: { value: unknown; label?: string; className?: string }) {
  return (
    <pre aria-label={label} className={cn('max-h-96 overflow-auto rounded-md bg-muted px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all', className)}>
      {pretty(value)}
    </pre>
  );
}

/** Free text (descriptions, notes, commit messages) exactly as written: line breaks kept, no markup rendered. */
export function PlainText({ text, empty = '—', className }: { text: string | null | undefined; empty?: string; className?: string }) {
  if (!text) return <span className={cn('text-sm text-muted-fg', className)}>{empty}</span>;
  return <p className={cn('text-sm whitespace-pre-wrap break-words', className)}>{text}</p>;
}
