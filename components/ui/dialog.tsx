'use client';
// Modal dialogs on Radix (focus trap, Escape, labelled title).
import * as D from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import { useRef, type ReactNode } from 'react';
import { cn } from './cn';

export const Dialog = D.Root;
export const DialogTrigger = D.Trigger;
export const DialogClose = D.Close;

const FIELDS = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])';


const SIZES = { md: 'w-[min(32rem,calc(100vw-2rem))]', lg: 'w-[min(56rem,calc(100vw-2rem))]' } as const;

/** `lg` is for dialogs that show a diff or a plan; both sizes scroll when taller than the window. */
export function DialogContent({ title, description, size = 'md', children }: { title: string; description?: ReactNode; size?: keyof typeof SIZES; children: ReactNode }) {
  const content = useRef<HTMLDivElement>(null);
  // Opening a dialog puts the cursor in its first field; without one, Radix focuses the first focusable element.
  function focusFirstField(e: Event) {
    const field = content.current?.querySelector<HTMLElement>(FIELDS);
    if (!field) return;
    e.preventDefault();
    field.focus();
  }
  return (
    <D.Portal>
      <D.Overlay className="fixed inset-0 z-40 bg-black/40" />
      <D.Content ref={content} onOpenAutoFocus={focusFirstField} className={cn('fixed top-1/2 left-1/2 z-50 max-h-[calc(100vh-2rem)] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg border border-border bg-card p-6 shadow-xl focus:outline-none', SIZES[size])}>
        <div className="mb-4 flex items-start justify-between gap-4">
          <div>
            <D.Title className="text-lg font-semibold">{title}</D.Title>
            {description ? <D.Description className="mt-1 text-sm text-muted-fg">{description}</D.Description> : <D.Description className="sr-only">{title}</D.Description>}
          </div>
          <D.Close className="rounded-md p-1 text-muted-fg hover:bg-muted" aria-label="Close">
            <X className="h-4 w-4" />
          </D.Close>
        </div>
        {children}
      </D.Content>
    </D.Portal>
  );
}
