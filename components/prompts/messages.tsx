// Chat messages as they read: the role, then the text exactly as written; includes link to what they pull in.
import Link from 'next/link';
import type { PromptMessage } from '@/db/schema';
import { Badge } from '@/components/ui/badge';

/** `name@3` links to that version, `name:label` and `name` to the prompt. */
export function includeHref(service: string, ref: string): string {
  const at = /^([a-z0-9-]+)@(\d+)$/.exec(ref);
  if (at) return `/prompts/${service}/${at[1]}?v=${at[2]}`;
  return `/prompts/${service}/${ref.split(':')[0]}`;
}

export function MessageList({ service, messages, label }: { service: string; messages: PromptMessage[]; label: string }) {
  return (
    <ol aria-label={label} className="grid gap-2">
      {messages.map((m, i) => (
        <li key={i} className="rounded-md border border-border">
          {'include' in m ? (
            <p className="px-3 py-2 text-sm">
              <Badge tone="info">include</Badge>{' '}
              <Link href={includeHref(service, m.include)} className="font-mono text-xs text-primary hover:underline">
                {m.include}
              </Link>
            </p>
          ) : (
            <>
              <div className="border-b border-border px-3 py-1.5">
                <Badge tone={m.role === 'system' ? 'warning' : m.role === 'assistant' ? 'success' : 'neutral'}>{m.role}</Badge>
              </div>
              <pre className="px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words">{m.content || <span className="text-muted-fg">(empty)</span>}</pre>
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
