'use client';
// Menus on Radix (keyboard navigation, typeahead, focus return).
import * as M from '@radix-ui/react-dropdown-menu';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from './cn';

export const DropdownMenu = M.Root;
export const DropdownMenuTrigger = M.Trigger;

export function DropdownMenuContent({ children, align = 'end' }: { children: ReactNode; align?: 'start' | 'end' }) {
  return (
    <M.Portal>
      <M.Content align={align} sideOffset={6} className="z-50 min-w-52 rounded-md border border-border bg-card p-1 text-sm shadow-lg">
        {children}
      </M.Content>
    </M.Portal>
  );
}

export function DropdownMenuItem({ className, ...props }: ComponentProps<typeof M.Item>) {
  return <M.Item className={cn('flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 outline-none select-none data-[highlighted]:bg-muted', className)} {...props} />;
}

export const DropdownMenuLabel = ({ children }: { children: ReactNode }) => <M.Label className="px-2 py-1.5 text-xs text-muted-fg">{children}</M.Label>;
export const DropdownMenuSeparator = () => <M.Separator className="my-1 h-px bg-border" />;
