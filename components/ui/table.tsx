// Data tables with consistent spacing; wrap in a Card.
import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from 'react';
import { cn } from './cn';

export function Table({ className, ...props }: HTMLAttributes<HTMLTableElement>) {
  return (
    // relative: visually hidden header text (sr-only, absolutely placed) stays inside the scroll box instead of
    // widening the page on a narrow screen.
    <div className="relative overflow-x-auto">
      <table className={cn('w-full text-left text-sm', className)} {...props} />
    </div>
  );
}
export const THead = (props: HTMLAttributes<HTMLTableSectionElement>) => <thead className="border-b border-border text-xs uppercase tracking-wide text-muted-fg" {...props} />;
export const TBody = (props: HTMLAttributes<HTMLTableSectionElement>) => <tbody className="divide-y divide-border" {...props} />;
export const TR = (props: HTMLAttributes<HTMLTableRowElement>) => <tr className="hover:bg-muted/50" {...props} />;
export const TH = ({ className, ...props }: ThHTMLAttributes<HTMLTableCellElement>) => <th scope="col" className={cn('px-4 py-2.5 font-medium', className)} {...props} />;
export const TD = ({ className, ...props }: TdHTMLAttributes<HTMLTableCellElement>) => <td className={cn('px-4 py-2.5 align-middle', className)} {...props} />;
