// The three states every data panel has besides "here it is": loading, failed, and nothing there yet.
import type { ReactNode } from 'react';
import { errorMessage } from '@/components/errors';
import { cn } from './cn';

export function Loading({ className, children = 'Loading…' }: { className?: string; children?: ReactNode }) {
  return (
    <p role="status" className={cn('px-5 py-4 text-sm text-muted-fg', className)}>
      {children}
    </p>
  );
}

export function Empty({ className, children }: { className?: string; children: ReactNode }) {
  return <p className={cn('px-5 py-6 text-sm text-muted-fg', className)}>{children}</p>;
}

export function LoadError({ error, className }: { error: unknown; className?: string }) {
  if (!error) return null;
  return (
    <p role="alert" className={cn('px-5 py-4 text-sm text-danger', className)}>
      {errorMessage(error)}
    </p>
  );
}
