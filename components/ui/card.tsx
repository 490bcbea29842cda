// Surfaces: cards with a header, and the page header every console page starts with.
import type { HTMLAttributes, ReactNode } from 'react';
import { cn } from './cn';

/** `min-w-0`: in a grid or flex layout a card may be narrower than a wide table inside it, which then scrolls
 * sideways in its own container instead of widening the page (phones). */
export function Card({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cn('min-w-0 rounded-lg border border-border bg-card shadow-sm', className)} {...props} />;
}

export function CardHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-3 border-b border-border px-5 py-4">
      {/* The title takes the room; on a narrow screen the actions wrap below it instead of squeezing it. */}
      <div className="min-w-0 flex-1 basis-64">
        <h2 className="text-base font-semibold">{title}</h2>
        {description ? <p className="mt-0.5 text-sm text-muted-fg">{description}</p> : null}
      </div>
      {actions}
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description ? <p className="mt-1 max-w-3xl text-sm text-muted-fg">{description}</p> : null}
      </div>
      {actions}
    </div>
  );
}
